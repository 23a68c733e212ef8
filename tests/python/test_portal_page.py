"""The portal's page (apps/web) end to end in headless Chromium, driven by Selenium
against `klik serve` on loopback: the manual's screens as each user type sees them.
Screenshots are kept in build/artefacts/portal/."""
import os
import pathlib

import pytest

import klik

from test_cli import run
from test_serve import Server, session

try:
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError as e:  # pragma: no cover - scripts/setup installs python3-selenium
    raise AssertionError(f"python3-selenium is missing ({e}); scripts/setup installs it") from e

ARTEFACTS = pathlib.Path(klik.__file__).resolve().parents[2] / "artefacts" / "portal"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("page") / "world.sqlite"
    run("generate", "--db", path, "--municipalities", 3, "--scale", 0.25, "--seed", 5)
    return path


@pytest.fixture(scope="module")
def server(db):
    s = Server(db)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser():
    for part in ("/usr/bin/chromium", "/usr/bin/chromedriver"):
        if not os.path.exists(part):
            pytest.fail(f"{part} is missing: scripts/setup installs chromium and chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1024", "--lang=da"):
        options.add_argument(arg)
    # chromedriver and chromium are not instrumented: under scripts/test's ASan run they
    # start without the sanitizer runtime preloaded into this interpreter. Only for them:
    # the tests after this module start instrumented Python children that need it.
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    preload = os.environ.pop("LD_PRELOAD", None)
    try:
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver", env=env), options=options)
    except WebDriverException as e:
        pytest.fail(f"headless Chromium did not start: {e.msg}")
    finally:
        if preload is not None:
            os.environ["LD_PRELOAD"] = preload
    driver.set_page_load_timeout(60)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def wait(driver, condition, timeout=30):
    return WebDriverWait(driver, timeout).until(condition)


def shot(driver, name):
    driver.save_screenshot(str(ARTEFACTS / f"{name}.png"))


def log_in(driver, server, role):
    driver.delete_all_cookies()
    driver.get(server.url + "/")
    login = server.logins[role]
    email = wait(driver, EC.visibility_of_element_located((By.XPATH, "//label[.='E-mail']/following-sibling::input[1]")))
    email.send_keys(login["email"])
    driver.find_element(By.XPATH, "//label[.='Adgangskode']/following-sibling::input[1]").send_keys(login["password"])
    driver.find_element(By.XPATH, "//button[.='Log ind']").click()
    wait(driver, EC.presence_of_element_located((By.ID, "count")))


def control(driver, label):
    """The control a visible label names (every control has one)."""
    lab = driver.find_element(By.XPATH, f"//label[normalize-space(.)='{label}' or normalize-space(.)='🔒 {label}']")
    return driver.find_element(By.ID, lab.get_attribute("for"))


def search(driver):
    old = driver.find_element(By.ID, "count")
    driver.find_element(By.XPATH, "//button[.='Søg']").click()
    wait(driver, EC.staleness_of(old))
    return wait(driver, EC.presence_of_element_located((By.ID, "count")))


def rows(driver):
    return driver.find_elements(By.CSS_SELECTOR, "#results tbody tr")


def open_task(driver, server, task_id):
    driver.get(f"{server.url}/#/opgave/{task_id}")
    return wait(driver, EC.presence_of_element_located((By.TAG_NAME, "h1")))


def test_plusbruger_filters_red_tasks_opens_one_and_changes_its_responsible(browser, server, db):
    api = session(server, "plusbruger")
    me = api.get(server.url + "/api/me").json()["user"]
    project = me["memberships"][0]
    log_in(browser, server, "plusbruger")
    Select(control(browser, "Projekt")).select_by_value(str(project["project"]))
    wait(browser, lambda d: control(d, "Fase").is_enabled())  # phase and theme only with a project
    browser.find_element(By.XPATH, "//fieldset[legend='Farve']//label[contains(., 'Rød')]/input").click()
    count = search(browser)
    expected = api.get(server.url + "/api/tasks",
                       params={"q": f'project = {project["project"]} and colour = red', "limit": 1}).json()["total"]
    assert expected > 0
    assert count.text.endswith(f"af {expected} opgaver")
    assert rows(browser) and all("Rød" in r.find_elements(By.TAG_NAME, "td")[3].text for r in rows(browser))
    chips = [c.text for c in browser.find_elements(By.CSS_SELECTOR, ".chips button")]
    assert chips == ["Projekt ✕", "Farve ✕"]
    quick = browser.find_element(By.CSS_SELECTOR, ".quick li.red").text
    assert quick == f"■ Rød: {expected}"
    shot(browser, "plusbruger-red-tasks")

    link = rows(browser)[0].find_element(By.TAG_NAME, "a")
    title = link.text
    link.click()
    wait(browser, EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), title))
    badge = browser.find_element(By.CSS_SELECTOR, ".badge")
    assert "Rød" in badge.text and badge.get_attribute("title")  # the hover explanation
    Select(control(browser, "Ansvarlig")).select_by_value(str(me["id"]))
    browser.find_element(By.XPATH, "//button[.='Gem ændringer']").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "saved"), "Gemt."))
    shot(browser, "plusbruger-task-saved")
    store = klik.open(str(db), create=False)
    assert store.outbox()[-1]["event"] == "task.assigned"

    browser.get(server.url + "/#/opgaver")
    wait(browser, EC.presence_of_element_located((By.ID, "count")))
    Select(control(browser, "Ansvarlig")).select_by_value(str(me["id"]))
    search(browser)
    assert title in [r.find_element(By.TAG_NAME, "a").text for r in rows(browser)]


def test_light_bruger_sees_their_tasks_and_padlocks(browser, server):
    api = session(server, "light-bruger")
    me = api.get(server.url + "/api/me").json()["user"]
    light = next(m for m in me["memberships"] if m["type"]["code"] == "light")
    log_in(browser, server, "light-bruger")
    Select(control(browser, "Projekt")).select_by_value(str(light["project"]))
    search(browser)
    listed = rows(browser)
    assert listed
    for r in listed:
        cells = [c.text for c in r.find_elements(By.TAG_NAME, "td")]
        assert me["name"] in (cells[7], cells[8]), cells
    listed[0].find_element(By.TAG_NAME, "a").click()
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, ".task-fields")))
    locks = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".lock")]
    assert "Du kan ikke oprette lokale opgaver under denne opgave." in locks
    shot(browser, "light-bruger-task")


def test_another_municipality_gets_the_same_not_found_page(browser, server):
    own = session(server, "plusbruger").get(server.url + "/api/tasks", params={"limit": 1}).json()["rows"][0]["task"]
    log_in(browser, server, "plusbruger i en anden kommune")
    open_task(browser, server, own)
    wait(browser, EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Opgaven findes ikke"))
    hidden = browser.find_element(By.ID, "main").get_attribute("innerHTML")
    shot(browser, "other-municipality-not-found")
    open_task(browser, server, 4000000000)
    wait(browser, EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Opgaven findes ikke"))
    assert browser.find_element(By.ID, "main").get_attribute("innerHTML") == hidden


def test_laeser_sees_everything_and_can_change_nothing(browser, server):
    api = session(server, "læser")
    total = api.get(server.url + "/api/tasks", params={"limit": 1}).json()["total"]
    log_in(browser, server, "læser")
    assert browser.find_element(By.ID, "count").text.endswith(f"af {total} opgaver")
    rows(browser)[0].find_element(By.TAG_NAME, "a").click()
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, ".task-fields")))
    for label in ("Status", "Ansvarlig", "Udfører"):
        assert not control(browser, label).is_enabled(), label
    assert not browser.find_elements(By.XPATH, "//button[.='Gem ændringer' or .='Upload' or .='Send besked']")
    assert browser.find_elements(By.CSS_SELECTOR, "label.lock")
    shot(browser, "laeser-task")


def fill(driver, label, text):
    element = control(driver, label)
    element.clear()
    element.send_keys(text)


def set_date(driver, label, iso):
    # A date input's typing order follows the browser's locale; the value is ISO either way.
    driver.execute_script("arguments[0].value = arguments[1]", control(driver, label), iso)


def test_administrator_creates_a_user_who_chooses_a_password_by_the_link(browser, server, db):
    log_in(browser, server, "administrator")
    browser.get(server.url + "/#/brugere")
    wait(browser, EC.element_to_be_clickable((By.LINK_TEXT, "Opret bruger"))).click()
    wait(browser, EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Opret bruger"))
    fill(browser, "Navn", "Karen Ny")
    fill(browser, "E-mail", "karen.ny@kommune-test.dk")
    project = Select(control(browser, "Projekt"))
    project.select_by_index(1)
    project_name = project.first_selected_option.text
    Select(control(browser, "Brugertype")).select_by_value("light")
    browser.find_element(By.XPATH, "//button[.='Opret bruger']").click()
    wait(browser, EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Karen Ny"))
    shot(browser, "administrator-new-user")
    user_id = int(browser.current_url.rsplit("/", 1)[1])
    Select(browser.find_element(By.CSS_SELECTOR, f"select[aria-label='Brugertype på {project_name}']")) \
        .select_by_value("reader")
    admin = session(server, "administrator")
    wait(browser, lambda d: admin.get(f"{server.url}/api/users/{user_id}").json()["memberships"][0]["type"]["code"]
         == "reader")
    # The new user follows the link of their mail (the outbox), chooses a password, logs in.
    store = klik.open(str(db), create=False)
    link = next(n["link"] for n in reversed(store.outbox()) if n["event"] == "user.created")
    browser.delete_all_cookies()
    browser.get(server.url + link)
    wait(browser, EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Vælg din adgangskode"))
    fill(browser, "Ny adgangskode", "Blå hest løber langsomt")
    fill(browser, "Gentag adgangskode", "Blå hest løber langsomt")
    browser.find_element(By.XPATH, "//button[.='Nulstil adgangskode']").click()
    wait(browser, EC.text_to_be_present_in_element((By.CSS_SELECTOR, "form.login .error"), "adgangskode er gemt"))
    fill(browser, "E-mail", "karen.ny@kommune-test.dk")
    fill(browser, "Adgangskode", "Blå hest løber langsomt")
    browser.find_element(By.XPATH, "//button[.='Log ind']").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "who"), "Karen Ny"))
    shot(browser, "new-user-logged-in")


def test_plusbruger_creates_and_changes_a_local_task(browser, server):
    api = session(server, "plusbruger")
    me = api.get(server.url + "/api/me").json()["user"]
    plus = next(m for m in me["memberships"] if m["type"]["code"] == "plus")
    task = api.get(server.url + "/api/tasks", params={"q": f"project = {plus['project']} and priority != local",
                                                      "limit": 1}).json()["rows"][0]["task"]
    log_in(browser, server, "plusbruger")
    open_task(browser, server, task)
    fill(browser, "Titel på lokal opgave", "Afklar snitflader lokalt")
    set_date(browser, "Slutdato", "2027-02-01")
    browser.find_element(By.XPATH, "//button[.='Opret lokal opgave']").click()
    wait(browser, EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Afklar snitflader lokalt"))
    local = int(browser.current_url.rsplit("/", 1)[1])
    Select(control(browser, "Status")).select_by_value("started")
    browser.find_element(By.XPATH, "//button[.='Gem ændringer']").click()
    wait(browser, lambda d: api.get(f"{server.url}/api/local-tasks/{local}").json()["status"]["code"] == "started")
    shot(browser, "plusbruger-local-task")


def test_kombit_asks_what_a_wave_shift_would_do(browser, server):
    api = session(server, "kombit")
    projects = api.get(server.url + "/api/projects").json()["projects"]
    project, waves = next((p["id"], w) for p in projects
                          if (w := api.get(f"{server.url}/api/national/projects/{p['id']}").json()["waves"]))
    expected = api.post(server.url + "/api/national/what-if",
                        json={"waves": [{"wave": waves[0]["id"], "workdays": -40, "relative": True}]}).json()
    log_in(browser, server, "kombit")
    browser.get(f"{server.url}/#/nationalt/{project}")
    wait(browser, EC.presence_of_element_located((By.ID, "whatif")))
    Select(control(browser, "Bølge")).select_by_value(str(waves[0]["id"]))
    fill(browser, "Flyt med arbejdsdage", "-40")
    browser.find_element(By.XPATH, "//button[.='Beregn']").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "whatif"), "opgaver får nye datoer"))
    assert browser.find_element(By.ID, "whatif").text.startswith(f"{expected['affected']} opgaver får nye datoer")
    shot(browser, "kombit-what-if")

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

"""klik.Calendar, klik.Holiday, klik.Calendars from Python."""

import datetime as dt

import numpy as np
import pytest

import klik

D = dt.date


def test_default_is_municipal():
    cal = klik.Calendar()
    assert cal == klik.Calendar.danish()
    assert cal.profile == klik.CalendarProfile.MUNICIPAL
    assert (cal.grundlovsdag, cal.juleaftensdag, cal.nytaarsaftensdag) == (True, True, True)
    assert not cal.is_workday(D(2024, 6, 5))
    assert repr(cal) == ("Calendar(profile='municipal', grundlovsdag=True, juleaftensdag=True, "
                         "nytaarsaftensdag=True)")


def test_statutory_profile_and_single_switches():
    stat = klik.Calendar.danish(profile="statutory")
    assert stat.is_workday(D(2024, 6, 5)) and stat.is_workday(D(2024, 12, 24))
    assert not stat.is_workday(D(2024, 12, 25))
    assert klik.Calendar.danish(profile=klik.CalendarProfile.STATUTORY) == stat
    only_jul = klik.Calendar.danish(profile="statutory", juleaftensdag=True)
    assert not only_jul.is_workday(D(2024, 12, 24))
    assert only_jul.is_workday(D(2024, 12, 31))
    no_gl = klik.Calendar.danish(grundlovsdag=False)
    assert no_gl.is_workday(D(2024, 6, 5))
    with pytest.raises(klik.ValidationError):
        klik.Calendar.danish(profile="bank")


def test_store_bededag_2023_vs_2024():
    cal = klik.Calendar()
    names_2023 = {h.name for h in cal.holidays(2023)}
    names_2024 = {h.name for h in cal.holidays(2024)}
    assert "Store Bededag" in names_2023
    assert "Store Bededag" not in names_2024
    assert not cal.is_workday(D(2023, 5, 5))
    assert cal.is_workday(D(2024, 4, 26))


def test_holidays_are_named_and_ordered():
    hs = klik.Calendar().holidays(2025)
    assert hs[0] == klik.Holiday(D(2025, 1, 1), "Nytårsdag", "New Year's Day", klik.HolidayCategory.STATUTORY)
    assert [h.date for h in hs] == sorted(h.date for h in hs)
    second_easter = next(h for h in hs if h.name == "2. påskedag")
    assert second_easter.date == D(2025, 4, 21)
    assert second_easter.english_name == "Easter Monday"
    assert repr(second_easter) == ("Holiday(date=datetime.date(2025, 4, 21), name='2. påskedag', "
                                   "category=HolidayCategory.STATUTORY)")
    assert klik.easter_sunday(2038) == D(2038, 4, 25)
    rules = klik.danish_holiday_rules()
    sb = next(r for r in rules if r["name"] == "Store Bededag")
    assert sb["easter_offset"] == 26 and sb["last_year"] == 2023


def test_arithmetic_conventions():
    cal = klik.Calendar()
    assert cal.add_workdays(D(2025, 6, 14), 1) == D(2025, 6, 16)  # Saturday +1 = Monday
    assert cal.add_workdays(D(2025, 6, 7), 1) == D(2025, 6, 10)   # 2. pinsedag in between
    assert cal.add_workdays(D(2025, 6, 14), 0) == D(2025, 6, 16)
    assert cal.add_workdays(D(2025, 6, 16), 0) == D(2025, 6, 16)
    assert cal.add_workdays(D(2025, 6, 16), -1) == D(2025, 6, 13)
    assert cal.workdays_between(D(2025, 4, 14), D(2025, 4, 22)) == 3
    assert cal.workdays_between(D(2025, 4, 22), D(2025, 4, 14)) == -3
    assert cal.next_workday(D(2025, 12, 23)) == D(2025, 12, 29)
    assert cal.previous_workday(D(2025, 12, 29)) == D(2025, 12, 23)
    assert cal.next_workday_or_same(D(2025, 12, 24)) == D(2025, 12, 29)
    # a datetime is taken as its (Copenhagen) date; a number is no date
    assert cal.is_workday(dt.datetime(2025, 1, 1, 12, 0)) is False
    with pytest.raises(TypeError):
        cal.is_workday(20250101)


def test_extra_days_and_layers():
    closing = klik.Calendar.danish(extra_closed=[D(2025, 6, 13)])
    assert not closing.is_workday(D(2025, 6, 13))
    assert any(h.name == "Lukkedag" and h.category == klik.HolidayCategory.EXTRA for h in closing.holidays(2025))
    opened = closing.with_open([D(2025, 6, 14)])
    assert opened.is_workday(D(2025, 6, 14))
    assert opened.extra_open == [D(2025, 6, 14)]
    assert "extra_closed=[datetime.date(2025, 6, 13)]" in repr(opened)

    cals = klik.Calendars()
    cals.set_municipality_closed(101, [D(2025, 6, 13)])
    cals.set_project_exceptions(1, [], [D(2025, 6, 13)])
    assert not cals.for_municipality(101).is_workday(D(2025, 6, 13))
    assert cals.for_municipality(851) == cals.national
    assert cals.effective(101, 1).is_workday(D(2025, 6, 13))
    assert not cals.effective(101, 2).is_workday(D(2025, 6, 13))
    assert repr(cals).startswith("Calendars(national=Calendar(")


def test_vectorised_is_workday():
    cal = klik.Calendar()
    days = np.arange("2025-06-01", "2025-06-17", dtype="datetime64[D]")
    got = cal.is_workday_array(days.astype("int64"))
    assert got.dtype == np.bool_
    assert list(got) == [cal.is_workday(d.item()) for d in days]

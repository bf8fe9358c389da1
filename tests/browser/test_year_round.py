"""The year-round mechanism in a real browser (issue 18, deliverable 8): a person referred
from their recommendations, interviewed, offered, released, handed to a community social
worker and hired, with no fair at any point, then followed up by the social worker; and a
social worker's own follow-up work (a check-in, a self-found job, a request for a new
referral) that employment staff then see.

Each user works at their own desk: a browser context of their own (cookies, language),
all in English so the page texts are the msgids. Employment staff must never see who a
code is: every page they reach is checked for the person's name and facility.
"""

import re
from contextlib import ExitStack
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.aftercare import operations as aftercare
from app.clock import local_today
from models import (
    AftercareCheck,
    Fair,
    FollowUp,
    Handover,
    Placement,
    PlacementChannel,
    Referral,
    ReferralRequest,
    ReferralRequestStatus,
    ReferralStatus,
    Role,
    SeekerStatus,
    db,
)
from models.placements import add_months
from tests.browser.conftest import guarded_page
from tests.factories import PASSWORD

NAME = "陈默然"
FACILITY = "青浦强制隔离戒毒所"
FACILITY_EN = "Qingpu Facility"
FACILITY_REF = "QP-2609-17"
JOB = "仓库理货员 · 上海顺达物流有限公司"
ID_NUMBER = "310115198801011234"


@pytest.fixture
def desks(browser, live_server, page_watch, request):
    """Open a new desk (its own browser context) for one user: `desks("centre")`."""
    with ExitStack() as stack:
        def open_desk(who: str):
            named = SimpleNamespace(node=SimpleNamespace(name=f"{request.node.name}-{who}"))
            return stack.enter_context(guarded_page(browser, live_server, page_watch, named))
        yield open_desk


def _log_in(page, username: str, lands_on: str) -> None:
    """Log in in English and land on the role's home page."""
    page.goto("/lang/en?next=/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    expect(page).to_have_url(re.compile(rf"{re.escape(lands_on)}$"))


def _submit(page, button) -> None:
    """Click a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        button.click()


def _timeline_rows(page) -> list[str]:
    """The timeline's rows as "date | what happened"."""
    return page.locator("table.timeline tbody tr").evaluate_all(
        "rows => rows.map(tr => Array.from(tr.cells, td => td.innerText.trim()).join(' | '))")


def _in_order(rows: list[str], expected: list[str]) -> list[int]:
    """The row index of each expected text; fails unless each is found, in this order."""
    found = []
    for text in expected:
        hits = [i for i, row in enumerate(rows) if text in row]
        assert hits, f"{text!r} is not in the timeline:\n" + "\n".join(rows)
        found.append(hits[0])
    assert found == sorted(found), "the timeline is out of order:\n" + "\n".join(rows)
    return found


# --- the "Done when": referral to placement, followed up by a social worker ----


@pytest.fixture
def scene(make):
    """A consenting person of a facility, surveyed, whose release is due; an open opening
    of a verified employer that fits them; a clerk of the facility, an employment officer
    and a community social worker."""
    today = local_today()
    facility = make.facility(name_zh=FACILITY, name_en=FACILITY_EN)
    seeker = make.seeker(facility_id=facility.id, name=NAME, consent_share=True,
                         facility_ref=FACILITY_REF,
                         admitted_on=today - timedelta(days=400),
                         expected_release_date=today - timedelta(days=40))
    seeker.set_id_number(ID_NUMBER)
    make.survey(seeker, categories=["logistics"], salary_min=5500, salary_hoped=7000,
                home_district="310115", shifts=["day"], certificates=[],
                surveyed_on=today - timedelta(days=120))
    employer = make.employer(name="上海顺达物流有限公司")
    opening = make.opening(employer_id=employer.id, title="仓库理货员",
                           category_code="logistics", pay_min=6000, pay_max=8000,
                           district="310115", headcount=5)
    make.user(Role.BUREAU, username="clerk", facility_id=facility.id)
    make.user(Role.EMPLOYMENT, username="centre")
    worker = make.user(Role.SOCIAL_WORKER, username="sw-wang", display_name="王社工")
    db.session.commit()
    return {"today": today, "seeker": seeker, "opening": opening, "worker": worker}


def _never_identifies(page) -> None:
    """Employment staff see the code, never who it is nor where they were held."""
    content = page.content()
    for secret in (NAME, FACILITY, FACILITY_REF, FACILITY_EN, ID_NUMBER,
                   "*" * 12 + ID_NUMBER[-4:]):
        assert secret not in content, f"{secret!r} is shown to employment staff at {page.url}"


def test_a_referral_becomes_a_placement_followed_up_by_a_social_worker(desks, scene):
    today, seeker, opening = scene["today"], scene["seeker"], scene["opening"]
    code = seeker.code
    referred_on = today - timedelta(days=60)
    interview_on = today - timedelta(days=53)
    offered_on = today - timedelta(days=46)
    released_on = today - timedelta(days=40)
    start = today - timedelta(days=38)

    # (a) the clerk refers the person from their recommended openings
    clerk = desks("clerk")
    _log_in(clerk, "clerk", "/bureau")
    clerk.goto(f"/bureau/seekers/{code}")
    expect(clerk.locator("table.recommendations")).to_contain_text("仓库理货员")
    _submit(clerk, clerk.locator(f"#refer-{opening.id}"))
    expect(clerk).to_have_url(re.compile(r"/referrals/\d+$"))
    expect(clerk.locator(".flash-success")).to_have_text(
        f"Referral recorded: {code} to 仓库理货员.")
    expect(clerk.locator("#referral-status")).to_have_text("referred, no answer yet")
    expect(clerk.locator("h1")).to_contain_text(NAME)  # the clerk's own facility's person
    referral_id = int(clerk.url.rsplit("/", 1)[1])
    # the person's page now links the referral instead of offering the button again
    clerk.goto(f"/bureau/seekers/{code}")
    expect(clerk.locator(f"#refer-{opening.id}")).to_have_count(0)
    expect(clerk.locator(f"table.recommendations a[href='/referrals/{referral_id}']")
           ).to_have_text("referred, no answer yet")

    # time passes: the story began two months ago, so the referral is moved there; the
    # answers below are typed with their own past dates
    referral = db.session.get(Referral, referral_id)
    assert (referral.referred_on, referral.status) == (today, ReferralStatus.OPEN)
    referral.referred_on = referred_on
    db.session.commit()

    # (b) the employment officer records the employer's answers, seeing the code only
    centre = desks("centre")
    _log_in(centre, "centre", "/employment")
    _never_identifies(centre)
    centre.goto("/referrals/")
    row = centre.locator(f"#referral-{referral_id}")
    expect(row).to_contain_text(code)
    expect(row).to_contain_text("仓库理货员")
    expect(row.locator(".status")).to_have_text("referred, no answer yet")
    _never_identifies(centre)
    _submit(centre, row.get_by_role("link", name="Open"))
    expect(centre).to_have_url(re.compile(rf"/referrals/{referral_id}$"))
    expect(centre.locator("h1")).to_have_text(f"Referral · {code}")
    _never_identifies(centre)

    centre.locator("input[name=interview_on]").fill(interview_on.isoformat())
    _submit(centre, centre.locator("#record-interview"))
    expect(centre.locator(".flash-success")).to_have_text("Interview recorded.")
    expect(centre.locator("#referral-status")).to_have_text("invited to interview")
    expect(centre.locator("#interview-on")).to_have_text(interview_on.isoformat())
    _never_identifies(centre)

    centre.locator("input[name=offered_on]").fill(offered_on.isoformat())
    centre.locator("input[name=offered_pay]").fill("6500")
    _submit(centre, centre.locator("#record-offer"))
    expect(centre.locator(".flash-success")).to_have_text("Offer recorded.")
    expect(centre.locator("#referral-status")).to_have_text("offered")
    expect(centre.locator("#offer")).to_have_text(f"{offered_on.isoformat()} · 6,500 yuan/month")
    expect(centre.locator("#record-hire")).to_be_visible()  # the hire comes once they start
    _never_identifies(centre)

    # (c) the clerk records the release, and hands the person over with their consent
    clerk.goto(f"/bureau/seekers/{code}")
    _submit(clerk, clerk.get_by_role("link", name="Release and hand-over", exact=True))
    expect(clerk).to_have_url(re.compile(rf"/aftercare/people/{code}$"))
    expect(clerk.locator("form[action$='/handover']")).to_have_count(0)  # not released yet
    released = clerk.locator("input[name=released_on]")
    expect(released).to_have_value(released_on.isoformat())  # the expected day, now come
    _submit(clerk, clerk.get_by_role("button", name="Record release"))
    expect(clerk.locator(".flash-success")).to_have_text("Release recorded.")
    handover_form = clerk.locator(f"form[action='/aftercare/people/{code}/handover']")
    handover_form.locator("select[name=social_worker_id]").select_option(
        str(scene["worker"].id))
    handover_form.locator("input[name=consent]").check()
    handover_form.locator("textarea[name=note]").fill("想做仓储，白班，住浦东")
    _submit(clerk, handover_form.get_by_role("button", name="Hand over"))
    expect(clerk.locator(".flash-success")).to_have_text(
        "Handed over to 王社工; aftercare checks are scheduled at 1, 3, 6 and 12 months "
        "after the release.")
    expect(clerk.locator("section.card").first).to_contain_text("王社工")

    # the hand-over was made on the day of release; weeks have passed since
    db.session.expire_all()
    handover = db.session.scalar(sa.select(Handover).where(Handover.seeker_id == seeker.id))
    assert handover.handed_on == today and handover.consent_at is not None
    handover.handed_on = released_on
    db.session.commit()

    # (d) the person started work two days after release: the officer records the hire
    centre.reload()
    centre.locator("input[name=start_date]").fill(start.isoformat())
    expect(centre.locator("input[name=monthly_pay]")).to_have_value("6500")  # as offered
    _submit(centre, centre.locator("#record-hire"))
    expect(centre.locator(".flash-success")).to_have_text(
        "Hire recorded; follow-ups are scheduled at 1, 3, 6 and 12 months.")
    expect(centre.locator("#referral-status")).to_have_text("hired")
    expect(centre.locator("#placement")).to_contain_text(
        f"hired from {start.isoformat()} · 6,500 yuan/month")
    first = centre.locator("#follow-up-1")
    expect(first).to_contain_text(add_months(start, 1).isoformat())
    expect(first).to_have_class(re.compile(r"\boverdue\b"))  # a month has passed
    expect(centre.locator("#record-hire")).to_have_count(0)
    _never_identifies(centre)
    centre.goto("/referrals/")
    expect(centre.locator(f"#referral-{referral_id} .status")).to_have_text("hired")
    _never_identifies(centre)

    db.session.expire_all()
    placement = db.session.scalar(sa.select(Placement).where(Placement.seeker_id == seeker.id))
    assert (placement.channel, placement.referral_id, placement.opening_id,
            placement.start_date, placement.monthly_pay) == (
        PlacementChannel.REFERRAL, referral_id, opening.id, start, 6500)
    assert placement.fair_id is None
    follow_up = db.session.scalar(sa.select(FollowUp).where(
        FollowUp.placement_id == placement.id, FollowUp.month == 1))
    db.session.commit()

    # (e) the social worker logs in to the to-do list: the 1-month follow-up is overdue
    worker = desks("social-worker")
    _log_in(worker, "sw-wang", "/aftercare/")
    due_row = worker.locator("table.todo tr", has=worker.locator(
        f"a[href='/aftercare/follow-ups/{follow_up.id}']"))
    expect(due_row).to_have_count(1)
    expect(due_row).to_contain_text(code)
    expect(due_row).to_contain_text(NAME)  # the social worker knows whom they follow
    expect(due_row).to_contain_text(f"Follow-up after 1 months: {JOB}")
    expect(due_row).to_contain_text(add_months(start, 1).isoformat())
    expect(due_row.locator(".badge")).to_have_text("overdue")
    expect(worker.locator("table.people")).to_contain_text(code)

    _submit(worker, due_row.get_by_role("link", name="Record"))
    expect(worker.locator("h1")).to_have_text("Follow-up after 1 months")
    expect(worker.locator("section.card")).to_contain_text(f"started {start.isoformat()}")
    expect(worker.locator("input[name=done_on]")).to_have_value(today.isoformat())
    worker.locator("input[name=still_employed][value=yes]").check()
    worker.locator("input[name=note]").fill("电话回访，本人在岗")
    _submit(worker, worker.get_by_role("button", name="Save follow-up"))
    expect(worker).to_have_url(re.compile(rf"/aftercare/people/{code}$"))
    expect(worker.locator(".flash-success")).to_have_text("Follow-up saved.")

    worker.goto("/aftercare/")
    expect(worker.locator(f"a[href='/aftercare/follow-ups/{follow_up.id}']")).to_have_count(0)
    expect(worker.locator("table.todo")).not_to_contain_text("Follow-up after 1 months")
    expect(worker.locator("table.people")).to_contain_text(code)

    # the whole-process record, in order, as the social worker sees it
    worker.goto(f"/aftercare/people/{code}")
    _submit(worker, worker.get_by_role("link", name="Whole-process record", exact=True).first)
    expect(worker).to_have_url(re.compile(rf"/aftercare/people/{code}/timeline$"))
    rows = _timeline_rows(worker)
    _in_order(rows, [
        f"{referred_on.isoformat()} | Referred to {JOB}",
        f"{interview_on.isoformat()} | Interview: {JOB}",
        f"{offered_on.isoformat()} | Job offer: {JOB}",
        f"{released_on.isoformat()} | Released from the facility",
        f"{released_on.isoformat()} | Handed over to the community social worker 王社工",
        f"{start.isoformat()} | Started work: {JOB} (targeted referral)",
        f"{today.isoformat()} | Follow-up after 1 months: still employed ({JOB})",
    ])
    assert not any(FACILITY_EN in row or "Admitted" in row for row in rows)  # follow-up view

    # the clerk's full record holds the same steps, in the same order
    clerk.goto(f"/aftercare/people/{code}/timeline")
    _in_order(_timeline_rows(clerk), [
        f"Admitted to {FACILITY_EN}", f"Referred to {JOB}", f"Interview: {JOB}",
        f"Job offer: {JOB}", f"Released from {FACILITY_EN}",
        "Handed over to the community social worker 王社工",
        f"Started work: {JOB} (targeted referral)",
        f"Follow-up after 1 months: still employed ({JOB})",
    ])

    db.session.expire_all()
    referral = db.session.get(Referral, referral_id)
    assert (referral.status, referral.interview_on, referral.offered_on,
            referral.offered_pay) == (ReferralStatus.PLACED, interview_on, offered_on, 6500)
    follow_up = db.session.get(FollowUp, follow_up.id)
    assert (follow_up.done_on, follow_up.still_employed) == (today, True)
    assert db.session.get(type(seeker), seeker.id).status is SeekerStatus.PLACED
    assert db.session.scalar(sa.select(sa.func.count(Fair.id))) == 0  # no fair, ever
    db.session.commit()


# --- a social worker's own follow-up work ---------------------------------------------


@pytest.fixture
def caseload(make):
    """Two people released 40 days ago from one facility: 回访甲 handed to 王社工,
    回访乙 to 李社工; an employment officer."""
    today = local_today()
    facility = make.facility(name_zh=FACILITY, name_en=FACILITY_EN)
    clerk = make.user(Role.BUREAU, username="clerk", facility_id=facility.id)
    wang = make.user(Role.SOCIAL_WORKER, username="sw-wang", display_name="王社工")
    li = make.user(Role.SOCIAL_WORKER, username="sw-li", display_name="李社工")
    make.user(Role.EMPLOYMENT, username="centre")
    people = {}
    for name, worker in (("回访甲", wang), ("回访乙", li)):
        person = make.seeker(facility_id=facility.id, name=name, consent_share=True,
                             facility_ref=f"QP-{len(people) + 1:04d}",
                             expected_release_date=today - timedelta(days=40),
                             status=SeekerStatus.RELEASED)
        make.survey(person, categories=["logistics"], surveyed_on=today - timedelta(days=90))
        aftercare.hand_over(person, worker, True, "想做仓储", clerk, today)
        people[name] = person
    db.session.commit()
    return {"today": today, "mine": people["回访甲"], "theirs": people["回访乙"]}


def test_a_social_worker_follows_up_their_own_people_and_asks_for_a_referral(
        desks, caseload, page_watch):
    page_watch.allow_console_error(r"status of 404")  # the other worker's person, refused
    today, mine, theirs = caseload["today"], caseload["mine"], caseload["theirs"]
    check = db.session.scalar(
        sa.select(AftercareCheck).join(Handover, Handover.id == AftercareCheck.handover_id)
        .where(Handover.seeker_id == mine.id, AftercareCheck.month == 1))
    their_check = db.session.scalar(
        sa.select(AftercareCheck).join(Handover, Handover.id == AftercareCheck.handover_id)
        .where(Handover.seeker_id == theirs.id, AftercareCheck.month == 1))
    db.session.commit()

    worker = desks("social-worker")
    _log_in(worker, "sw-wang", "/aftercare/")
    expect(worker.locator("table.people tbody tr")).to_have_count(1)
    expect(worker.locator("table.people")).to_contain_text(mine.code)
    content = worker.content()
    assert theirs.code not in content and "回访乙" not in content

    # another social worker's person is not to be seen: a 404 page, whatever the way in
    for path in (f"/aftercare/people/{theirs.code}",
                 f"/aftercare/people/{theirs.code}/timeline",
                 f"/aftercare/checks/{their_check.id}"):
        response = worker.goto(path)
        assert response is not None and response.status == 404, path
        expect(worker.locator("h1")).to_have_text("Page not found")
        assert "回访乙" not in worker.content()

    # the 1-month aftercare check is overdue: reached, working
    worker.goto("/aftercare/")
    due_row = worker.locator("table.todo tr", has=worker.locator(
        f"a[href='/aftercare/checks/{check.id}']"))
    expect(due_row).to_contain_text("Aftercare check after 1 months")
    expect(due_row).to_contain_text("回访甲")
    expect(due_row.locator(".badge")).to_have_text("overdue")
    _submit(worker, due_row.get_by_role("link", name="Record"))
    expect(worker.locator("h1")).to_have_text("Aftercare check after 1 months")
    worker.locator("input[name=reached][value=yes]").check()
    worker.locator("input[name=working][value=yes]").check()
    worker.locator("textarea[name=note]").fill("在快递站做分拣，自己找的")
    _submit(worker, worker.get_by_role("button", name="Save check"))
    expect(worker).to_have_url(re.compile(rf"/aftercare/people/{mine.code}$"))
    expect(worker.locator(".flash-success")).to_have_text("Aftercare check saved.")
    expect(worker.locator("table.timeline")).to_contain_text(
        "Aftercare check after 1 months: reached, working")

    # the job they found themselves
    started = today - timedelta(days=20)
    _submit(worker, worker.get_by_role("link", name="Record a job they found"))
    expect(worker.locator("input[name=kind][value=job]")).to_be_checked()
    worker.locator("input[name=job_title]").fill("快递分拣员")
    worker.locator("select[name=category_code]").select_option("logistics")
    worker.locator("input[name=start_date]").fill(started.isoformat())
    worker.locator("input[name=monthly_pay]").fill("5200")
    _submit(worker, worker.get_by_role("button", name="Record job"))
    expect(worker.locator(".flash-success")).to_have_text(
        "Job recorded; follow-ups are scheduled at 1, 3, 6 and 12 months.")
    expect(worker.locator("table.timeline")).to_contain_text(
        "Started work: 快递分拣员 (found by themselves)")
    expect(worker.locator("section.next-due")).to_contain_text(
        f"{add_months(started, 1).isoformat()} · Follow-up after 1 months: 快递分拣员")

    # they want steadier work: the social worker asks the employment centre
    note = "想找长期的仓储白班工作，闵行或浦东"
    _submit(worker, worker.get_by_role("link",
                                       name="Ask the employment centre for a new referral"))
    worker.locator("textarea[name=note]").fill(note)
    _submit(worker, worker.get_by_role("button", name="Ask for a referral"))
    expect(worker.locator(".flash-success")).to_have_text(
        "Request sent to the employment centre.")
    expect(worker.locator("table.timeline")).to_contain_text(
        f"Asked the employment centre for a new referral: {note}")

    db.session.expire_all()
    assert db.session.get(AftercareCheck, check.id).working is True
    placement = db.session.scalar(sa.select(Placement).where(Placement.seeker_id == mine.id))
    assert (placement.channel, placement.job_title, placement.start_date,
            placement.monthly_pay) == (PlacementChannel.SELF_FOUND, "快递分拣员", started, 5200)
    asked = db.session.scalar(sa.select(ReferralRequest))
    assert (asked.seeker_id, asked.status, asked.asked_on) == (
        mine.id, ReferralRequestStatus.OPEN, today)
    db.session.commit()

    # the employment officer finds the request among the requests from social workers
    centre = desks("centre")
    _log_in(centre, "centre", "/employment")
    centre.goto("/referrals/")
    requests = centre.locator("#referral-requests")
    expect(requests.locator("h2")).to_have_text("Requests from social workers")
    row = requests.locator(f"#request-{asked.id}")
    expect(row).to_contain_text(mine.code)
    expect(row).to_contain_text(note)
    expect(row).to_contain_text(today.isoformat())
    content = centre.content()
    assert "回访甲" not in content and FACILITY not in content and FACILITY_EN not in content
    _submit(centre, centre.locator(f"#answer-request-{asked.id}"))
    expect(centre.locator("h1")).to_have_text(f"Request from a social worker · {mine.code}")
    expect(centre.locator("dl.facts")).to_contain_text(note)
    content = centre.content()
    for secret in ("回访甲", FACILITY, FACILITY_EN, "QP-0001"):
        assert secret not in content

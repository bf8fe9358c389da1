"""The audit viewer for people (issue 17, deliverable 9): actions and roles in the reader's
language, records by their public code, Beijing time, and refused accesses to other
facilities' records recorded and filterable."""

import re
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from app.admin.audit_view import ACTION_LABELS, IMPORT_KINDS, IMPORT_STEPS, action_label
from models import AuditEvent, Role, db

APP = Path(__file__).resolve().parents[2] / "app"


def _admin(make, auth):
    make.user(Role.ADMIN, username="boss")
    db.session.commit()
    auth.login("boss")


def test_every_audited_action_has_a_name():
    used = set()
    for path in APP.rglob("*.py"):
        used |= set(re.findall(r'log_event\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert used, "no audited action found: the pattern is out of date"
    assert sorted(action for action in used if action not in ACTION_LABELS) == []
    for kind in IMPORT_KINDS:
        for step in IMPORT_STEPS:
            assert "_import_" not in action_label(f"{kind}_import_{step}")


def test_the_trail_reads_in_chinese_with_codes_and_beijing_time(client, make, auth):
    seeker = make.seeker(code="QB123456")
    clerk = make.user(Role.BUREAU, username="clerk", facility_id=seeker.facility_id)
    db.session.add(AuditEvent(action="seeker_viewed", actor_id=clerk.id, actor_name="clerk",
                              actor_role="bureau", target_type="Seeker",
                              target_id=str(seeker.id), at=datetime(2026, 12, 6, 17, 5)))
    db.session.commit()
    _admin(make, auth)
    page = client.get("/admin/audit?actor=clerk").get_data(as_text=True)
    row = page.split("<tbody>")[1].split("</tr>")[0]
    assert "查看了求职者档案" in row and "戒毒所工作人员" in row
    assert "求职者 QB123456" in row and f"Seeker {seeker.id}" not in row
    assert "2026-12-07 01:05:00" in row  # 17:05 UTC is 01:05 the next day in Shanghai
    assert "seeker_viewed" not in row and ">bureau<" not in row
    # the day filter counts Shanghai days
    assert "QB123456" in client.get("/admin/audit?since=2026-12-07&until=2026-12-07").get_data(
        as_text=True)
    assert "QB123456" not in client.get("/admin/audit?until=2026-12-06").get_data(
        as_text=True).split("<tbody>")[1]


def test_records_are_found_by_their_public_code(client, make, auth):
    seeker = make.seeker(code="QB654321")
    other = make.seeker(code="QB111111")
    for person in (seeker, other):
        db.session.add(AuditEvent(action="seeker_viewed", actor_name="clerk",
                                  actor_role="bureau", target_type="Seeker",
                                  target_id=str(person.id)))
    db.session.commit()
    _admin(make, auth)
    body = client.get("/admin/audit?record=qb654321").get_data(as_text=True).split(
        "<tbody>")[1]
    assert "QB654321" in body and "QB111111" not in body
    page = client.get("/admin/audit?record=NOBODY").get_data(as_text=True)
    assert "没有求职者、招聘会、岗位或用户的代码是 NOBODY" in page


def test_a_refused_look_at_another_facilitys_person_is_recorded(client, make, auth):
    first, second = make.facility(name_zh="青浦所"), make.facility(name_zh="女子所")
    seeker = make.seeker(facility_id=first.id, code="QB777777", name="金丝雀测试人")
    make.user(Role.BUREAU, username="bureau2", facility_id=second.id)
    db.session.commit()
    auth.login("bureau2")
    answer = client.get("/bureau/seekers/QB777777")
    assert answer.status_code == 404  # says nothing about whether the person exists
    assert client.get("/bureau/seekers/QB000000").status_code == 404  # nobody: no entry
    refused = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "access_refused")).all()
    assert [(e.actor_name, e.target_type, e.target_id, e.detail["reason"]) for e in refused] == \
        [("bureau2", "Seeker", str(seeker.id), "other_facility")]

    assert client.get("/admin/").status_code == 403  # a page of another role
    auth.logout()
    _admin(make, auth)
    page = client.get("/admin/audit?action=access_refused").get_data(as_text=True)
    body = page.split("<tbody>")[1]
    assert body.count("拒绝访问") == 2 and "求职者 QB777777" in body
    assert "金丝雀测试人" not in page
    assert "拒绝访问" in page.split("<tbody>")[0]  # offered as a filter

"""Employer vetting pages: the review queue, the verification form, suspend and un-verify."""

from datetime import datetime

import pytest
import sqlalchemy as sa

from models import AuditEvent, Employer, EmployerStatus, OpeningStatus, Role, db

CODE = "91350100M000100Y43"


@pytest.fixture
def clerk(make, client, auth):
    user = make.user(Role.EMPLOYMENT, username="clerk")
    db.session.commit()
    auth.login("clerk")
    client.get("/lang/en")
    return user


def verification(**overrides):
    data = {"uscc": CODE, "contact_person": "陈经理", "contact_phone": "138 1234 5678",
            "pledge_date": "2026-06-01", "pledge_signed_by": "陈经理（人事主管）",
            "licence_checked": "y"}
    data.update(overrides)
    return data


def events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_the_queue_lists_unverified_employers_oldest_first_with_their_openings(
        client, clerk, make):
    newer = make.employer(name="上海新近物流有限公司", verified=False,
                          created_at=datetime(2026, 6, 10))
    older = make.employer(name="上海捷运运输有限公司", verified=False,
                          created_at=datetime(2026, 5, 2))
    make.employer(name="上海已核实物流有限公司")
    make.employer(name="上海暂停物流有限公司", status=EmployerStatus.SUSPENDED)
    make.opening(employer_id=older.id, title="货车司机")
    make.opening(employer_id=older.id, title="装卸工")
    make.opening(employer_id=older.id, title="已关闭的岗位", status=OpeningStatus.CLOSED)
    make.opening(employer_id=newer.id, title="分拣员")

    page = client.get("/employment/review").get_data(as_text=True)

    assert "已核实物流" not in page and "暂停物流" not in page
    assert page.index("上海捷运运输有限公司") < page.index("上海新近物流有限公司")
    assert "<strong>2</strong> employers to verify" in page
    assert "<strong>3</strong> openings held back from job seekers" in page
    assert "货车司机" in page and "装卸工" in page and "已关闭的岗位" not in page
    assert f"/employment/employers/{older.id}/verify" in page


def test_verification_refuses_and_says_what_is_missing(client, clerk, make):
    employer = make.employer(name="上海捷运运输有限公司", verified=False, uscc=None)
    response = client.post(f"/employment/employers/{employer.id}/verify", data=verification(
        uscc="", contact_person="", pledge_signed_by="", licence_checked=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter the unified social credit code." in page
    assert "s contact person." in page  # Enter the employer's contact person.
    assert "Enter who signed the fair-chance pledge for the employer." in page
    assert "Compare the name and the credit code with the business licence" in page
    assert ("Not verified yet. Check: Unified social credit code, Contact person, Pledge "
            "signed by, I compared the name and the credit code with the business licence."
            ) in page
    assert db.session.get(Employer, employer.id).status is EmployerStatus.UNVERIFIED
    assert events("employer_verified") == []


def test_verification_checks_both_check_characters(client, clerk, make):
    employer = make.employer(verified=False, uscc=None)
    # the 18th character fits, the organisation code's (the 17th) does not
    page = client.post(f"/employment/employers/{employer.id}/verify",
                       data=verification(uscc="91350100M000100Y56")).get_data(as_text=True)
    assert "whose check character (the 17th) should be “4”, not “5”" in page
    assert db.session.get(Employer, employer.id).status is EmployerStatus.UNVERIFIED


def test_verification_in_chinese(client, clerk, make):
    employer = make.employer(verified=False, uscc=None)
    client.get("/lang/zh_CN")
    page = client.post(f"/employment/employers/{employer.id}/verify",
                       data=verification(contact_phone="", pledge_date="")).get_data(as_text=True)
    assert "请填写联系人的电话。" in page and "请填写公平就业承诺的签署日期。" in page
    assert "尚未核实。请检查：联系电话、公平就业承诺签署日期。" in page


def test_verifying_records_the_pledge_and_who_verified_audited(client, clerk, make):
    employer = make.employer(name="上海捷运运输有限公司", verified=False, uscc=None)
    response = client.post(f"/employment/employers/{employer.id}/verify", data=verification())
    assert response.headers["Location"] == "/employment/review"
    employer = db.session.get(Employer, employer.id)
    assert employer.status is EmployerStatus.VERIFIED
    assert (employer.uscc, employer.contact_phone) == (CODE, "13812345678")
    assert employer.verified_by_id == clerk.id and employer.pledge_recorded_by_id == clerk.id
    assert employer.pledge_signed_by == "陈经理（人事主管）" and employer.verified_at
    [event] = events("employer_verified")
    assert (event.actor_name, event.target_id) == ("clerk", str(employer.id))
    assert event.detail["pledge_date"] == "2026-06-01" and event.detail["uscc"] == CODE
    assert "No employer is waiting to be verified." in client.get(
        "/employment/review").get_data(as_text=True)
    page = client.get(f"/employment/employers/{employer.id}").get_data(as_text=True)
    assert "verified by clerk on" in page and "signed by 陈经理（人事主管）" in page


def test_verifying_twice_is_refused(client, clerk, make):
    employer = make.employer(uscc=CODE, contact_person="陈", contact_phone="13812345678")
    page = client.post(f"/employment/employers/{employer.id}/verify",
                       data=verification()).get_data(as_text=True)
    assert "This employer is already verified." in page
    assert events("employer_verified") == []


def test_suspend_needs_a_reason_and_is_audited_then_lifted(client, clerk, make):
    employer = make.employer(name="上海安捷保安服务有限公司")
    page = client.post(f"/employment/employers/{employer.id}/suspend",
                       data={"reason": " "}).get_data(as_text=True)
    assert "Give the reason for the suspension." in page
    assert db.session.get(Employer, employer.id).verified

    client.post(f"/employment/employers/{employer.id}/suspend",
                data={"reason": "求职者投诉：面试时要求先交押金"})
    employer = db.session.get(Employer, employer.id)
    assert employer.status is EmployerStatus.SUSPENDED
    [event] = events("employer_suspended")
    assert event.detail == {"reason": "求职者投诉：面试时要求先交押金", "previous": "verified"}
    page = client.get(f"/employment/employers/{employer.id}").get_data(as_text=True)
    assert "Suspended: 求职者投诉：面试时要求先交押金" in page

    client.post(f"/employment/employers/{employer.id}/lift-suspension")
    assert db.session.get(Employer, employer.id).status is EmployerStatus.UNVERIFIED
    assert len(events("employer_suspension_lifted")) == 1


def test_unverify_is_audited_and_sends_the_employer_back_to_the_queue(client, clerk, make):
    employer = make.employer(name="上海恒通汽车零部件有限公司")
    response = client.post(f"/employment/employers/{employer.id}/unverify")
    assert response.status_code == 302
    assert db.session.get(Employer, employer.id).status is EmployerStatus.UNVERIFIED
    assert len(events("employer_unverified")) == 1
    assert "上海恒通汽车零部件有限公司" in client.get("/employment/review").get_data(as_text=True)


def test_a_verified_employer_keeps_what_its_verification_rests_on(client, clerk, make):
    employer = make.employer(name="上海好运物流有限公司", uscc=CODE, contact_person="陈经理",
                             contact_phone="13812345678")
    page = client.post(f"/employment/employers/{employer.id}/edit", data={
        "name": "上海好运物流有限公司", "uscc": CODE, "district": "310115",
        "contact_person": "", "contact_phone": "13812345678"}).get_data(as_text=True)
    assert "A verified employer keeps its credit code, contact person and phone" in page
    assert db.session.get(Employer, employer.id).contact_person == "陈经理"


def test_staff_see_unverified_openings_marked(client, clerk, make):
    employer = make.employer(name="上海捷运运输有限公司", verified=False)
    opening = make.opening(employer_id=employer.id, title="货车司机")
    home = client.get("/employment").get_data(as_text=True)
    assert "货车司机</a> <span class=\"badge vetting-hidden\">not shown to job seekers" in home
    page = client.get(f"/employment/openings/{opening.id}").get_data(as_text=True)
    assert "not shown to job seekers" in page
    assert "job seekers do not see this opening until its employer is verified" in page
    listing = client.get("/employment/employers").get_data(as_text=True)
    assert "to be verified" in listing


def test_organizers_neither_see_nor_invite_unverified_employers(client, make, auth):
    make.user(Role.ORGANIZER, username="org")
    employer = make.employer(name="上海捷运运输有限公司", verified=False)
    opening = make.opening(employer_id=employer.id, title="货车司机")
    make.employer(name="上海已核实物流有限公司")
    fair = make.fair()
    db.session.commit()
    auth.login("org")
    assert client.get(f"/employment/openings/{opening.id}").status_code == 404
    page = client.get(f"/fairs/{fair.id}").get_data(as_text=True)
    assert "上海已核实物流有限公司" in page and "上海捷运运输有限公司" not in page

"""year-round mechanism: referrals, job practice, course enrolment and certificates,
start-up guidance, hand-over to community social workers, placements by channel

Revision ID: 0017_year_round
Revises: 0016_codes_and_free_text
Create Date: 2026-12-07 13:10:00

New tables for the programme's year-round work (issue 18). Existing rows: every
placement gets its channel (``fair`` when it came from a fair, ``referral`` otherwise)
and kind ``job``, and a 12-month follow-up due a year after its start date; the staff
role's CHECK constraint admits ``social_worker``. Revision 0016 cannot hold a placement
without an opening (a self-found job, an own business) or a social worker's account:
the downgrade removes them (ROWS_REMOVED_ON_DOWNGRADE, which `qibu db downgrade` counts
and names before it asks), then drops the new tables and columns (12-month follow-ups
stay: the old schema holds any month).
"""
import calendar
from datetime import date

import sqlalchemy as sa
from alembic import op

OLD_ROLES = ('admin', 'bureau', 'employment', 'organizer', 'kiosk')
NEW_ROLES = OLD_ROLES + ('social_worker',)

placements = sa.table('placements', sa.column('id', sa.Integer),
                      sa.column('fair_id', sa.Integer), sa.column('start_date', sa.Date),
                      sa.column('channel', sa.String), sa.column('opening_id', sa.Integer))
follow_ups = sa.table('follow_ups', sa.column('id', sa.Integer),
                      sa.column('placement_id', sa.Integer), sa.column('month', sa.Integer),
                      sa.column('due_on', sa.Date), sa.column('note', sa.Text),
                      sa.column('done_on', sa.Date))
staff_users = sa.table('staff_users', sa.column('role', sa.String))


def _year_later(day: date) -> date:
    return date(day.year + 1, day.month,
                min(day.day, calendar.monthrange(day.year + 1, day.month)[1]))


def _role_type(roles):
    return sa.Enum(*roles, name='role', native_enum=False, create_constraint=True, length=24)


# revision identifiers, used by Alembic.
revision = '0017_year_round'
down_revision = '0016_codes_and_free_text'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('startup_services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name_zh', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('offers_zh', sa.Text(), nullable=False),
    sa.Column('offers_en', sa.Text(), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_startup_services')),
    sa.UniqueConstraint('code', name=op.f('uq_startup_services_code'))
    )
    op.create_table('course_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_sessions_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_sessions'))
    )
    with op.batch_alter_table('course_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_sessions_course_id'), ['course_id'], unique=False)

    op.create_table('course_enrolments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('seeker_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('enrolled', 'completed', 'withdrawn', name='enrolmentstatus', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('enrolled_on', sa.Date(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('enrolled_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_enrolments_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enrolled_by_id'], ['staff_users.id'], name=op.f('fk_course_enrolments_enrolled_by_id_staff_users')),
    sa.ForeignKeyConstraint(['seeker_id'], ['seekers.id'], name=op.f('fk_course_enrolments_seeker_id_seekers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_enrolments')),
    sa.UniqueConstraint('course_id', 'seeker_id', name=op.f('uq_course_enrolments_course_id_seeker_id'))
    )
    with op.batch_alter_table('course_enrolments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_enrolments_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_enrolments_seeker_id'), ['seeker_id'], unique=False)

    op.create_table('handovers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seeker_id', sa.Integer(), nullable=False),
    sa.Column('social_worker_id', sa.Integer(), nullable=False),
    sa.Column('handed_on', sa.Date(), nullable=False),
    sa.Column('consent_at', sa.DateTime(), nullable=False),
    sa.Column('handed_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['handed_by_id'], ['staff_users.id'], name=op.f('fk_handovers_handed_by_id_staff_users')),
    sa.ForeignKeyConstraint(['seeker_id'], ['seekers.id'], name=op.f('fk_handovers_seeker_id_seekers')),
    sa.ForeignKeyConstraint(['social_worker_id'], ['staff_users.id'], name=op.f('fk_handovers_social_worker_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handovers'))
    )
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.create_index('ix_handovers_one_current', ['seeker_id'], unique=True, sqlite_where=sa.text('ended_on IS NULL'), postgresql_where=sa.text('ended_on IS NULL'))
        batch_op.create_index(batch_op.f('ix_handovers_seeker_id'), ['seeker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handovers_social_worker_id'), ['social_worker_id'], unique=False)

    op.create_table('seeker_certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seeker_id', sa.Integer(), nullable=False),
    sa.Column('certificate_code', sa.String(length=32), nullable=False),
    sa.Column('earned_on', sa.Date(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['certificate_code'], ['certificates.code'], name=op.f('fk_seeker_certificates_certificate_code_certificates')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_seeker_certificates_course_id_courses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['seeker_id'], ['seekers.id'], name=op.f('fk_seeker_certificates_seeker_id_seekers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seeker_certificates')),
    sa.UniqueConstraint('seeker_id', 'certificate_code', name=op.f('uq_seeker_certificates_seeker_id_certificate_code'))
    )
    with op.batch_alter_table('seeker_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seeker_certificates_seeker_id'), ['seeker_id'], unique=False)

    op.create_table('startup_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seeker_id', sa.Integer(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('outcome', sa.Enum('open', 'business_registered', 'loan_applied', 'dropped', name='startupoutcome', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('outcome_on', sa.Date(), nullable=True),
    sa.Column('business', sa.String(length=200), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['opened_by_id'], ['staff_users.id'], name=op.f('fk_startup_cases_opened_by_id_staff_users')),
    sa.ForeignKeyConstraint(['seeker_id'], ['seekers.id'], name=op.f('fk_startup_cases_seeker_id_seekers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_startup_cases')),
    sa.UniqueConstraint('seeker_id', name=op.f('uq_startup_cases_seeker_id'))
    )
    op.create_table('aftercare_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handover_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.SmallInteger(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('working', sa.Boolean(), nullable=True),
    sa.Column('reached', sa.Boolean(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['handover_id'], ['handovers.id'], name=op.f('fk_aftercare_checks_handover_id_handovers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff_users.id'], name=op.f('fk_aftercare_checks_recorded_by_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aftercare_checks')),
    sa.UniqueConstraint('handover_id', 'month', name=op.f('uq_aftercare_checks_handover_id_month'))
    )
    with op.batch_alter_table('aftercare_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aftercare_checks_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_aftercare_checks_handover_id'), ['handover_id'], unique=False)

    op.create_table('practice_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('opening_id', sa.Integer(), nullable=True),
    sa.Column('category_code', sa.String(length=32), nullable=True),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('tasks', sa.Text(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'cancelled', name='practicedaystatus', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('booked >= 0 AND booked <= capacity', name=op.f('ck_practice_days_booked_within_capacity')),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_practice_days_capacity_positive')),
    sa.CheckConstraint('opening_id IS NOT NULL OR category_code IS NOT NULL', name=op.f('ck_practice_days_opening_or_category')),
    sa.ForeignKeyConstraint(['category_code'], ['job_categories.code'], name=op.f('fk_practice_days_category_code_job_categories')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'], name=op.f('fk_practice_days_created_by_id_staff_users')),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_practice_days_employer_id_employers')),
    sa.ForeignKeyConstraint(['opening_id'], ['openings.id'], name=op.f('fk_practice_days_opening_id_openings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_days'))
    )
    with op.batch_alter_table('practice_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_days_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_days_held_on'), ['held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_days_opening_id'), ['opening_id'], unique=False)

    op.create_table('session_attendance',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['course_enrolments.id'], name=op.f('fk_session_attendance_enrolment_id_course_enrolments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['course_sessions.id'], name=op.f('fk_session_attendance_session_id_course_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'enrolment_id', name=op.f('pk_session_attendance'))
    )
    op.create_table('startup_guidance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('session', 'one_to_one', name='guidancekind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('adviser', sa.String(length=120), nullable=False),
    sa.Column('next_step', sa.String(length=300), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['startup_cases.id'], name=op.f('fk_startup_guidance_case_id_startup_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff_users.id'], name=op.f('fk_startup_guidance_recorded_by_id_staff_users')),
    sa.ForeignKeyConstraint(['service_id'], ['startup_services.id'], name=op.f('fk_startup_guidance_service_id_startup_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_startup_guidance'))
    )
    with op.batch_alter_table('startup_guidance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_startup_guidance_case_id'), ['case_id'], unique=False)

    op.create_table('practice_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_day_id', sa.Integer(), nullable=False),
    sa.Column('seeker_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('booked', 'attended', 'no_show', 'cancelled', name='bookingstatus', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('punctual', sa.Boolean(), nullable=True),
    sa.Column('able', sa.Boolean(), nullable=True),
    sa.Column('would_hire', sa.Boolean(), nullable=True),
    sa.Column('assessment_note', sa.Text(), nullable=False),
    sa.Column('assessed_at', sa.DateTime(), nullable=True),
    sa.Column('assessed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assessed_by_id'], ['staff_users.id'], name=op.f('fk_practice_bookings_assessed_by_id_staff_users')),
    sa.ForeignKeyConstraint(['booked_by_id'], ['staff_users.id'], name=op.f('fk_practice_bookings_booked_by_id_staff_users')),
    sa.ForeignKeyConstraint(['practice_day_id'], ['practice_days.id'], name=op.f('fk_practice_bookings_practice_day_id_practice_days'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seeker_id'], ['seekers.id'], name=op.f('fk_practice_bookings_seeker_id_seekers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_bookings')),
    sa.UniqueConstraint('practice_day_id', 'seeker_id', name=op.f('uq_practice_bookings_practice_day_id_seeker_id'))
    )
    with op.batch_alter_table('practice_bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_bookings_practice_day_id'), ['practice_day_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_bookings_seeker_id'), ['seeker_id'], unique=False)

    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seeker_id', sa.Integer(), nullable=False),
    sa.Column('opening_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('recommendation', 'opening', 'practice', 'request', name='referralsource', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('status', sa.Enum('open', 'interview', 'offered', 'placed', 'declined', 'withdrawn', name='referralstatus', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('referred_on', sa.Date(), nullable=False),
    sa.Column('referred_by_id', sa.Integer(), nullable=True),
    sa.Column('practice_booking_id', sa.Integer(), nullable=True),
    sa.Column('interview_on', sa.Date(), nullable=True),
    sa.Column('offered_on', sa.Date(), nullable=True),
    sa.Column('offered_pay', sa.Integer(), nullable=True),
    sa.Column('declined_on', sa.Date(), nullable=True),
    sa.Column('decline_reason', sa.Enum('skills', 'distance', 'pay', 'record', 'no_show', 'other', name='declinereason', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status <> 'declined' OR decline_reason IS NOT NULL", name=op.f('ck_referrals_declined_has_reason')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['staff_users.id'], name=op.f('fk_referrals_answered_by_id_staff_users')),
    sa.ForeignKeyConstraint(['opening_id'], ['openings.id'], name=op.f('fk_referrals_opening_id_openings')),
    sa.ForeignKeyConstraint(['practice_booking_id'], ['practice_bookings.id'], name=op.f('fk_referrals_practice_booking_id_practice_bookings')),
    sa.ForeignKeyConstraint(['referred_by_id'], ['staff_users.id'], name=op.f('fk_referrals_referred_by_id_staff_users')),
    sa.ForeignKeyConstraint(['seeker_id'], ['seekers.id'], name=op.f('fk_referrals_seeker_id_seekers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index('ix_referrals_one_active', ['seeker_id', 'opening_id'], unique=True, sqlite_where=sa.text("status IN ('open', 'interview', 'offered')"), postgresql_where=sa.text("status IN ('open', 'interview', 'offered')"))
        batch_op.create_index(batch_op.f('ix_referrals_opening_id'), ['opening_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_seeker_id'), ['seeker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_status'), ['status'], unique=False)

    op.create_table('referral_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seeker_id', sa.Integer(), nullable=False),
    sa.Column('asked_by_id', sa.Integer(), nullable=True),
    sa.Column('asked_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'answered', 'closed', name='referralrequeststatus', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['staff_users.id'], name=op.f('fk_referral_requests_answered_by_id_staff_users')),
    sa.ForeignKeyConstraint(['asked_by_id'], ['staff_users.id'], name=op.f('fk_referral_requests_asked_by_id_staff_users')),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_requests_referral_id_referrals')),
    sa.ForeignKeyConstraint(['seeker_id'], ['seekers.id'], name=op.f('fk_referral_requests_seeker_id_seekers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_requests'))
    )
    with op.batch_alter_table('referral_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_requests_seeker_id'), ['seeker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_requests_status'), ['status'], unique=False)

    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('enrolled', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.Enum('fair', 'referral', 'practice', 'training', 'self_found', 'startup', name='placementchannel', native_enum=False, create_constraint=True, length=24), server_default='fair', nullable=False))
        batch_op.add_column(sa.Column('kind', sa.Enum('job', 'self_employment', name='placementkind', native_enum=False, create_constraint=True, length=24), server_default='job', nullable=False))
        batch_op.add_column(sa.Column('referral_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('job_title', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('category_code', sa.String(length=32), nullable=True))
        batch_op.alter_column('opening_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_placements_channel'), ['channel'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_placements_referral_id'), ['referral_id'])
        batch_op.create_foreign_key(batch_op.f('fk_placements_referral_id_referrals'), 'referrals', ['referral_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_placements_category_code_job_categories'), 'job_categories', ['category_code'], ['code'])
        batch_op.create_check_constraint(batch_op.f('ck_placements_opening_or_title'),
                                         'opening_id IS NOT NULL OR job_title IS NOT NULL')

    with op.batch_alter_table('seekers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('admitted_on', sa.Date(), nullable=True))

    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_staff_users_role'), type_='check')
        batch_op.alter_column('role', existing_type=sa.String(length=24),
                              type_=_role_type(NEW_ROLES), existing_nullable=False)

    # existing placements: their channel, and a follow-up a year after the start
    bind = op.get_bind()
    op.execute(placements.update().where(placements.c.fair_id.is_(None))
               .values(channel='referral'))
    have_twelve = sa.select(follow_ups.c.placement_id).where(follow_ups.c.month == 12)
    rows = bind.execute(sa.select(placements.c.id, placements.c.start_date)
                        .where(placements.c.id.not_in(have_twelve))).all()
    if rows:
        op.bulk_insert(follow_ups, [
            {'placement_id': pid, 'month': 12, 'due_on': _year_later(start), 'note': ''}
            for pid, start in rows])


# What revision 0016 cannot hold, removed by the downgrade: placements without an opening
# (self-found jobs, own businesses) with their follow-ups, and the social workers'
# accounts. `qibu db downgrade` counts these rows and names them before it asks.
ROWS_REMOVED_ON_DOWNGRADE = {
    'follow_ups': 'placement_id IN (SELECT id FROM placements WHERE opening_id IS NULL)',
    'placements': 'opening_id IS NULL',
    'staff_users': "role = 'social_worker'",
}


def _remove_what_0016_cannot_hold(bind):
    """Delete the rows ROWS_REMOVED_ON_DOWNGRADE names; references to a removed account
    become NULL (or go with it, where the reference cannot be empty)."""
    workers = [row[0] for row in bind.execute(sa.text(
        "SELECT id FROM staff_users WHERE role = 'social_worker'"))]
    if workers:
        inspector = sa.inspect(bind)
        for table in inspector.get_table_names():
            columns = {c['name']: c for c in inspector.get_columns(table)}
            for fk in inspector.get_foreign_keys(table):
                if fk['referred_table'] != 'staff_users' or len(fk['constrained_columns']) != 1:
                    continue
                column = fk['constrained_columns'][0]
                target = sa.table(table, sa.column(column))
                matching = target.c[column].in_(workers)
                if columns[column]['nullable']:
                    bind.execute(target.update().where(matching).values({column: None}))
                else:
                    bind.execute(target.delete().where(matching))
    for table in ('follow_ups', 'placements', 'staff_users'):
        bind.execute(sa.text(f"DELETE FROM {table} WHERE {ROWS_REMOVED_ON_DOWNGRADE[table]}"))


def downgrade():
    _remove_what_0016_cannot_hold(op.get_bind())
    # the 12-month follow-ups stay: revision 0016 keeps any month's follow-up
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_staff_users_role'), type_='check')
        batch_op.alter_column('role', existing_type=sa.String(length=24),
                              type_=_role_type(OLD_ROLES), existing_nullable=False)

    with op.batch_alter_table('seekers', schema=None) as batch_op:
        batch_op.drop_column('admitted_on')

    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_placements_opening_or_title'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_placements_placementchannel'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_placements_placementkind'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_placements_category_code_job_categories'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_placements_referral_id_referrals'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_placements_referral_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_placements_channel'))
        batch_op.alter_column('opening_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('category_code')
        batch_op.drop_column('job_title')
        batch_op.drop_column('referral_id')
        batch_op.drop_column('kind')
        batch_op.drop_column('channel')

    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('enrolled')

    with op.batch_alter_table('referral_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_requests_status'))
        batch_op.drop_index(batch_op.f('ix_referral_requests_seeker_id'))

    op.drop_table('referral_requests')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrals_status'))
        batch_op.drop_index(batch_op.f('ix_referrals_seeker_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_opening_id'))
        batch_op.drop_index('ix_referrals_one_active', sqlite_where=sa.text("status IN ('open', 'interview', 'offered')"), postgresql_where=sa.text("status IN ('open', 'interview', 'offered')"))

    op.drop_table('referrals')
    with op.batch_alter_table('practice_bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_bookings_seeker_id'))
        batch_op.drop_index(batch_op.f('ix_practice_bookings_practice_day_id'))

    op.drop_table('practice_bookings')
    with op.batch_alter_table('startup_guidance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_startup_guidance_case_id'))

    op.drop_table('startup_guidance')
    op.drop_table('session_attendance')
    with op.batch_alter_table('practice_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_days_opening_id'))
        batch_op.drop_index(batch_op.f('ix_practice_days_held_on'))
        batch_op.drop_index(batch_op.f('ix_practice_days_employer_id'))

    op.drop_table('practice_days')
    with op.batch_alter_table('aftercare_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aftercare_checks_handover_id'))
        batch_op.drop_index(batch_op.f('ix_aftercare_checks_due_on'))

    op.drop_table('aftercare_checks')
    op.drop_table('startup_cases')
    with op.batch_alter_table('seeker_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seeker_certificates_seeker_id'))

    op.drop_table('seeker_certificates')
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handovers_social_worker_id'))
        batch_op.drop_index(batch_op.f('ix_handovers_seeker_id'))
        batch_op.drop_index('ix_handovers_one_current', sqlite_where=sa.text('ended_on IS NULL'), postgresql_where=sa.text('ended_on IS NULL'))

    op.drop_table('handovers')
    with op.batch_alter_table('course_enrolments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_enrolments_seeker_id'))
        batch_op.drop_index(batch_op.f('ix_course_enrolments_course_id'))

    op.drop_table('course_enrolments')
    with op.batch_alter_table('course_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_sessions_course_id'))

    op.drop_table('course_sessions')
    op.drop_table('startup_services')

"""outreach

Revision ID: 88497b79e80d
Revises: ba2e612aa0c5
Create Date: 2026-11-22 20:01:00.217025
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '88497b79e80d'
down_revision = 'ba2e612aa0c5'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outreachevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_uuid', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('body_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('public_code', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('recorder_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=True),
    sa.Column('end_time', sa.Time(), nullable=True),
    sa.Column('venue_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('formats', sa.JSON(), nullable=False),
    sa.Column('audiences', sa.JSON(), nullable=False),
    sa.Column('topic', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.Column('consultations', sa.Integer(), nullable=False),
    sa.Column('leaflets', sa.Integer(), nullable=False),
    sa.Column('banners', sa.Integer(), nullable=False),
    sa.Column('boards', sa.Integer(), nullable=False),
    sa.Column('volunteers', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('qr_closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('captured_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], ),
    sa.ForeignKeyConstraint(['recorder_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_uuid'),
    sa.UniqueConstraint('public_code')
    )
    with op.batch_alter_table('outreachevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outreachevent_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outreachevent_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outreachevent_held_on'), ['held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_outreachevent_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outreachevent_recorder_id'), ['recorder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outreachevent_venue_type'), ['venue_type'], unique=False)

    op.create_table('volunteerinvite',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('max_uses', sa.Integer(), nullable=False),
    sa.Column('uses', sa.Integer(), nullable=False),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('volunteerinvite', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteerinvite_district_id'), ['district_id'], unique=False)

    op.create_table('eventvolunteer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['outreachevent.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id', 'user_id')
    )
    with op.batch_alter_table('eventvolunteer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_eventvolunteer_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_eventvolunteer_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_complaint_event_id'), ['event_id'], unique=False)
        batch_op.create_foreign_key('fk_complaint_event_id_outreachevent', 'outreachevent', ['event_id'], ['id'])

    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outreach_event_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_photo_outreach_event_id'), ['outreach_event_id'], unique=False)
        batch_op.create_foreign_key('fk_photo_outreach_event_id_outreachevent', 'outreachevent', ['outreach_event_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.drop_constraint('fk_photo_outreach_event_id_outreachevent', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_photo_outreach_event_id'))
        batch_op.drop_column('outreach_event_id')

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_constraint('fk_complaint_event_id_outreachevent', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_complaint_event_id'))
        batch_op.drop_column('event_id')

    with op.batch_alter_table('eventvolunteer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_eventvolunteer_user_id'))
        batch_op.drop_index(batch_op.f('ix_eventvolunteer_event_id'))

    op.drop_table('eventvolunteer')
    with op.batch_alter_table('volunteerinvite', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteerinvite_district_id'))

    op.drop_table('volunteerinvite')
    with op.batch_alter_table('outreachevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outreachevent_venue_type'))
        batch_op.drop_index(batch_op.f('ix_outreachevent_recorder_id'))
        batch_op.drop_index(batch_op.f('ix_outreachevent_received_at'))
        batch_op.drop_index(batch_op.f('ix_outreachevent_held_on'))
        batch_op.drop_index(batch_op.f('ix_outreachevent_district_id'))
        batch_op.drop_index(batch_op.f('ix_outreachevent_campaign_id'))

    op.drop_table('outreachevent')

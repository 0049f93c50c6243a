"""complaint handling

Revision ID: f934583f4c5c
Revises: 68bb9951cd64
Create Date: 2026-11-22 17:49:18.141436
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'f934583f4c5c'
down_revision = '68bb9951cd64'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('complaintpause',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('complaintpause', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaintpause_complaint_id'), ['complaint_id'], unique=False)

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consumer_email', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True))
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('accepted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('conclude_due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('paused_since', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('reject_reason', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('recovered_fen', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('concluded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('satisfaction', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('satisfaction_comment', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('followed_up_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('consumer_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_complaint_accept_due_on'), ['accept_due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_conclude_due_on'), ['conclude_due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_owner_id'), ['owner_id'], unique=False)
        batch_op.create_foreign_key('fk_complaint_assignee_id_user', 'user', ['assignee_id'], ['id'])
        batch_op.create_foreign_key('fk_complaint_owner_id_user', 'user', ['owner_id'], ['id'])

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('email')

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_constraint('fk_complaint_owner_id_user', type_='foreignkey')
        batch_op.drop_constraint('fk_complaint_assignee_id_user', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_complaint_owner_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_conclude_due_on'))
        batch_op.drop_index(batch_op.f('ix_complaint_assignee_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_accept_due_on'))
        batch_op.drop_column('consumer_seen_at')
        batch_op.drop_column('followed_up_at')
        batch_op.drop_column('satisfaction_comment')
        batch_op.drop_column('satisfaction')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('concluded_at')
        batch_op.drop_column('recovered_fen')
        batch_op.drop_column('outcome')
        batch_op.drop_column('reject_reason')
        batch_op.drop_column('paused_since')
        batch_op.drop_column('conclude_due_on')
        batch_op.drop_column('accepted_at')
        batch_op.drop_column('assignee_id')
        batch_op.drop_column('owner_id')
        batch_op.drop_column('consumer_email')

    with op.batch_alter_table('complaintpause', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaintpause_complaint_id'))

    op.drop_table('complaintpause')

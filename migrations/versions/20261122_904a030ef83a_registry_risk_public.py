"""registry risk public

Revision ID: 904a030ef83a
Revises: 88497b79e80d
Create Date: 2026-11-22 20:52:45.490502
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '904a030ef83a'
down_revision = '88497b79e80d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('complaintcluster',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('first_received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('flagged_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], ),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], ),
    sa.ForeignKeyConstraint(['handled_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchant.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('complaintcluster', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaintcluster_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaintcluster_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaintcluster_flagged_at'), ['flagged_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaintcluster_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaintcluster_status'), ['status'], unique=False)

    op.create_table('duplicatesuspect',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['candidate_id'], ['merchant.id'], ),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchant.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('merchant_id', 'candidate_id')
    )
    with op.batch_alter_table('duplicatesuspect', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duplicatesuspect_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_duplicatesuspect_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_duplicatesuspect_status'), ['status'], unique=False)

    op.create_table('warning',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('withdrawn_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('warning', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warning_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_warning_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_warning_published_at'), ['published_at'], unique=False)

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cluster_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_complaint_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_foreign_key('fk_complaint_cluster_id_complaintcluster', 'complaintcluster', ['cluster_id'], ['id'])

    with op.batch_alter_table('merchant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trusted', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('trusted_since', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_merchant_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_merchant_trusted'), ['trusted'], unique=False)
        batch_op.create_foreign_key('fk_merchant_merged_into_id_merchant', 'merchant', ['merged_into_id'], ['id'])

    with op.batch_alter_table('sample', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('published_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_sample_published_at'), ['published_at'], unique=False)
        batch_op.create_foreign_key('fk_sample_published_by_id_user', 'user', ['published_by_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('sample', schema=None) as batch_op:
        batch_op.drop_constraint('fk_sample_published_by_id_user', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_sample_published_at'))
        batch_op.drop_column('published_by_id')
        batch_op.drop_column('published_at')

    with op.batch_alter_table('merchant', schema=None) as batch_op:
        batch_op.drop_constraint('fk_merchant_merged_into_id_merchant', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_merchant_trusted'))
        batch_op.drop_index(batch_op.f('ix_merchant_merged_into_id'))
        batch_op.drop_column('updated_at')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('trusted_since')
        batch_op.drop_column('trusted')

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_constraint('fk_complaint_cluster_id_complaintcluster', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_complaint_cluster_id'))
        batch_op.drop_column('cluster_id')

    with op.batch_alter_table('warning', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warning_published_at'))
        batch_op.drop_index(batch_op.f('ix_warning_kind'))
        batch_op.drop_index(batch_op.f('ix_warning_district_id'))

    op.drop_table('warning')
    with op.batch_alter_table('duplicatesuspect', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duplicatesuspect_status'))
        batch_op.drop_index(batch_op.f('ix_duplicatesuspect_merchant_id'))
        batch_op.drop_index(batch_op.f('ix_duplicatesuspect_candidate_id'))

    op.drop_table('duplicatesuspect')
    with op.batch_alter_table('complaintcluster', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaintcluster_status'))
        batch_op.drop_index(batch_op.f('ix_complaintcluster_merchant_id'))
        batch_op.drop_index(batch_op.f('ix_complaintcluster_flagged_at'))
        batch_op.drop_index(batch_op.f('ix_complaintcluster_district_id'))
        batch_op.drop_index(batch_op.f('ix_complaintcluster_category_id'))

    op.drop_table('complaintcluster')

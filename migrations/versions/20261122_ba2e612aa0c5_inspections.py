"""inspections

Revision ID: ba2e612aa0c5
Revises: f934583f4c5c
Create Date: 2026-11-22 17:58:23.740143
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'ba2e612aa0c5'
down_revision = 'f934583f4c5c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('checklisttemplate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('theme', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_kind'), ['kind'], unique=False)

    op.create_table('checklistitem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('text_en', sqlmodel.sql.sqltypes.AutoString(length=240), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['checklisttemplate.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('checklistitem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklistitem_template_id'), ['template_id'], unique=False)

    op.create_table('inspection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_uuid', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('body_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('inspector_id', sa.Integer(), nullable=False),
    sa.Column('inspector_count', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('follow_up_of', sa.Integer(), nullable=True),
    sa.Column('result', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('captured_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], ),
    sa.ForeignKeyConstraint(['follow_up_of'], ['inspection.id'], ),
    sa.ForeignKeyConstraint(['inspector_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchant.id'], ),
    sa.ForeignKeyConstraint(['template_id'], ['checklisttemplate.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_uuid')
    )
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_captured_at'), ['captured_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_follow_up_of'), ['follow_up_of'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_inspector_id'), ['inspector_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_merchant_id'), ['merchant_id'], unique=False)

    op.create_table('inspectionfinding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('answer', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], ),
    sa.ForeignKeyConstraint(['item_id'], ['checklistitem.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('inspection_id', 'item_id')
    )
    with op.batch_alter_table('inspectionfinding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspectionfinding_inspection_id'), ['inspection_id'], unique=False)

    op.create_table('inspectiontask',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], ),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], ),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchant.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('inspectiontask', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspectiontask_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspectiontask_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspectiontask_planned_on'), ['planned_on'], unique=False)

    op.create_table('rectificationorder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('item_ids', sa.JSON(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['inspection.id'], ),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], ),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchant.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rectificationorder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectificationorder_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectificationorder_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectificationorder_merchant_id'), ['merchant_id'], unique=False)

    op.create_table('sample',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('product', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('brand', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('batch', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('quantity', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('sample_no', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('lab_result', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=True),
    sa.Column('report_no', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('result_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sample', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_inspection_id'), ['inspection_id'], unique=False)

    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inspection_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('finding_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_photo_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_foreign_key('fk_photo_finding_id_inspectionfinding', 'inspectionfinding', ['finding_id'], ['id'])
        batch_op.create_foreign_key('fk_photo_inspection_id_inspection', 'inspection', ['inspection_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.drop_constraint('fk_photo_finding_id_inspectionfinding', type_='foreignkey')
        batch_op.drop_constraint('fk_photo_inspection_id_inspection', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_photo_inspection_id'))
        batch_op.drop_column('finding_id')
        batch_op.drop_column('inspection_id')

    with op.batch_alter_table('sample', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sample_inspection_id'))

    op.drop_table('sample')
    with op.batch_alter_table('rectificationorder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectificationorder_merchant_id'))
        batch_op.drop_index(batch_op.f('ix_rectificationorder_inspection_id'))
        batch_op.drop_index(batch_op.f('ix_rectificationorder_due_on'))

    op.drop_table('rectificationorder')
    with op.batch_alter_table('inspectiontask', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspectiontask_planned_on'))
        batch_op.drop_index(batch_op.f('ix_inspectiontask_merchant_id'))
        batch_op.drop_index(batch_op.f('ix_inspectiontask_district_id'))

    op.drop_table('inspectiontask')
    with op.batch_alter_table('inspectionfinding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspectionfinding_inspection_id'))

    op.drop_table('inspectionfinding')
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_merchant_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_inspector_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_follow_up_of'))
        batch_op.drop_index(batch_op.f('ix_inspection_district_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_complaint_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_captured_at'))
        batch_op.drop_index(batch_op.f('ix_inspection_campaign_id'))

    op.drop_table('inspection')
    with op.batch_alter_table('checklistitem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklistitem_template_id'))

    op.drop_table('checklistitem')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_kind'))
        batch_op.drop_index(batch_op.f('ix_campaign_district_id'))

    op.drop_table('campaign')
    op.drop_table('checklisttemplate')

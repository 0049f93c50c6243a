"""The checklists inspectors use, taken from the field's practice; loaded by `flask demo` and kept by admins."""
from __future__ import annotations

from sqlmodel import Session, select

from webapp.inspections.models import ChecklistItem, ChecklistTemplate

# (code, name, name_en, [(item, item_en)])
TEMPLATES = [
    ("food", "食品经营", "Food business", [
        ("营业执照、食品经营许可证悬挂在显著位置（亮照经营）", "Business licence and food licence displayed"),
        ("查验并留存供货者许可证和产品合格证明、票据（索证索票）", "Supplier licences, certificates and invoices kept"),
        ("建立进货查验记录和销售台账", "Purchase inspection records and sales ledger kept"),
        ("无超过保质期或腐败变质食品", "No expired or spoiled food"),
        ("无“三无”产品（无生产厂名、厂址、生产日期）", "No unlabelled goods (no maker, address or date)"),
        ("食品储存条件符合要求（冷藏冷冻、离地离墙）", "Storage as required (chilled, frozen, off floor and wall)"),
        ("从业人员持有效健康证明", "Staff hold valid health certificates"),
    ]),
    ("prices", "明码标价", "Clearly marked prices", [
        ("商品和服务明码标价", "Goods and services have marked prices"),
        ("标价签内容齐全（品名、产地、规格、计价单位、价格）", "Price tags complete (name, origin, size, unit, price)"),
        ("无标价之外加价收费", "No charge above the marked price"),
        ("无虚假折扣、先涨后降等价格欺诈", "No fake discounts or other price fraud"),
        ("收费项目和标准公示", "Fees and rates posted"),
    ]),
    ("measuring", "计量器具", "Measuring instruments", [
        ("计量器具经检定合格并在有效期内", "Instruments verified and within validity"),
        ("计量器具无作弊装置", "No tampering devices"),
        ("设置公平秤并可正常使用", "Public check scale provided and working"),
        ("抽查商品计量准确（缺斤短两）", "Spot-checked goods weigh what they claim"),
    ]),
    ("agri", "农资经营", "Agricultural inputs", [
        ("农资经营主体资格和农药经营许可证齐全", "Business registration and pesticide licence in order"),
        ("种子标签和使用说明规范", "Seed labels and instructions compliant"),
        ("化肥、农药登记证号有效", "Fertiliser and pesticide registration numbers valid"),
        ("无禁限用农药销售", "No banned or restricted pesticides on sale"),
        ("建立进销货台账", "Purchase and sales ledger kept"),
        ("无过期、失效农资", "No expired agricultural inputs"),
    ]),
    ("prepaid", "预付卡经营", "Prepaid-card business", [
        ("签订书面合同或公示办卡规则", "Written contract or posted card rules"),
        ("公示经营者名称、地址和联系方式", "Name, address and contact posted"),
        ("不得设置不公平格式条款（如“最终解释权”）", "No unfair standard terms (e.g. “final right of interpretation”)"),
        ("按约定办理余额退还", "Balances refunded as agreed"),
        ("停业、歇业或迁址提前告知持卡人", "Card holders told before closure or move"),
    ]),
]


def load_templates(session: Session) -> dict[str, ChecklistTemplate]:
    """Add the field's checklists where missing; existing ones (maybe edited by admins) are left alone."""
    templates = {}
    for position, (code, name, name_en, items) in enumerate(TEMPLATES):
        template = session.exec(select(ChecklistTemplate).where(ChecklistTemplate.code == code)).first()
        if template is None:
            template = ChecklistTemplate(code=code, name=name, name_en=name_en, position=position)
            session.add(template)
            session.flush()
            for item_position, (text, text_en) in enumerate(items):
                session.add(ChecklistItem(template_id=template.id, position=item_position, text=text,
                                          text_en=text_en))
        templates[code] = template
    session.flush()
    return templates

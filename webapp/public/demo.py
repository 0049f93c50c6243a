"""The demo city's public side: warnings and tips by the demo supervisor, trusted merchants, published results."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from webapp.auth.models import User, utcnow
from webapp.complaints.schemas import today_shanghai
from webapp.inspections.models import Sample
from webapp.merchants.models import Merchant
from webapp.public.models import TIP, WARNING, Warning
from webapp.public.warnings import render_markdown

# (kind, title, summary, Markdown body, days ago published)
WARNINGS = [
    (WARNING, "预付卡消费警示\uff1a办卡前先看清\u201c退费条款\u201d",
     "健身\u3001美容\u3001教育培训机构预付卡纠纷多发\uff0c办卡前请审慎评估经营者资质和履约能力\u3002",
     """## 常见问题

- 门店突然关门\u3001经营者\u201c跑路\u201d\uff0c剩余费用无法退还\uff1b
- 合同中约定\u201c概不退款\u201d\u201c最终解释权归本店所有\u201d等不公平格式条款\uff1b
- 办卡时承诺的课程\u3001服务项目事后被减少或变更\u3002

## 消费提示

1. **量力而行**\uff1a不要一次性充值大额金额\uff0c尽量选择按次\u3001按月付费\uff1b
2. **签订书面合同**\uff1a写明服务内容\u3001期限\u3001退费办法和违约责任\uff1b
3. **保留凭证**\uff1a保存好合同\u3001发票\u3001付款记录和宣传资料\uff1b
4. 发生纠纷可拨打 **12315** 或在本平台投诉\u3002

> 单用途预付卡发卡企业应当依法备案\uff0c消费者可向商务部门查询\u3002
""", 3),
    (TIP, "老年人保健品消费提示",
     "警惕\u201c免费体检\u201d\u201c健康讲座\u201d\u201c赠送礼品\u201d背后的保健品高价推销\u3002",
     """## 保健品不是药品

保健食品不能代替药物治疗疾病\uff0c凡宣称\u201c包治百病\u201d\u201c根治\u201d的\uff0c都是虚假宣传\u3002

## 防范要点

- 不参加来历不明的\u201c健康讲座\u201d\u201c免费旅游\u201d\uff1b
- 购买前查看产品包装上的\u201c蓝帽子\u201d保健食品标志和批准文号\uff1b
- 子女多关心父母\uff0c发现异常消费及时沟通\uff1b
- 遇到强买强卖\uff0c请拨打 **12315** 投诉举报\u3002
""", 10),
    (WARNING, "直播带货消费警示\uff1a警惕\u201c低价秒杀\u201d陷阱",
     "直播间\u201c限时秒杀\u201d\u201c原价999现价99\u201d\uff0c到手货不对板\u3001售后难\uff0c消费者需理性下单\u3002",
     """## 直播购物要注意

- 核实主播和店铺的经营资质\uff0c尽量选择正规平台\uff1b
- 不要脱离平台私下转账交易\uff1b
- **保存好直播截图\u3001录屏和聊天记录**\uff0c作为维权证据\uff1b
- 收货时当面验货\uff0c发现问题及时申请退换货\u3002

网购商品享有七日无理由退货的权利\uff08特殊商品除外\uff09\u3002
""", 6),
    (TIP, "春耕农资消费提示\uff1a买种子化肥认准\u201c三证\u201d",
     "春耕备耕时节\uff0c购买种子\u3001化肥\u3001农药要到正规农资门店\uff0c索要发票并保留包装和样品\u3002",
     """## 购买农资\u201c三要三不要\u201d

| 要 | 不要 |
|---|---|
| 到持证经营的正规门店购买 | 不买流动商贩的农资 |
| 索要并保存发票或购货凭证 | 不买包装破损\u3001标识不清的产品 |
| 保留包装袋和少量样品 | 不轻信\u201c高产\u201d\u201c特效\u201d宣传 |

种子出苗异常时\uff0c请及时保留现场\u3001联系经营者并向当地市场监管部门反映\u3002
""", 14),
]

TRUSTED = ["华联超市\uff08东关店\uff09", "百姓大药房\uff08人民路店\uff09", "国美电器城东店", "城西购物广场", "仁和堂药店",
           "南湖生活超市"]


def load_demo_public(session: Session) -> int:
    """Add what is missing of the public side (safe to run again); returns how many warnings were added."""
    supervisor = session.exec(select(User).where(User.role == "supervisor", User.district_id == None)).first()  # noqa: E711
    if supervisor is None:
        return 0
    added = 0
    now = utcnow()
    for kind, title, summary, body, days_ago in WARNINGS:
        if session.exec(select(Warning).where(Warning.title == title)).first():
            continue
        when = now - timedelta(days=days_ago)
        session.add(Warning(kind=kind, title=title, summary=summary, body_md=body, body_html=render_markdown(body),
                            author_id=supervisor.id, created_at=when - timedelta(hours=2), published_at=when))
        added += 1
    today = today_shanghai()
    for n, name in enumerate(TRUSTED):
        merchant = session.exec(select(Merchant).where(Merchant.name == name)).first()
        if merchant is not None and not merchant.trusted:
            merchant.trusted, merchant.trusted_since = True, today.replace(month=3, day=15) - timedelta(days=365 * (n % 3))
            session.add(merchant)
    # the demo's own samples with a lab report (not the generated history's)
    for sample in session.exec(select(Sample).where(Sample.lab_result != None, Sample.report_no != "",  # noqa: E711
                                                    Sample.published_at == None)):  # noqa: E711
        sample.published_at, sample.published_by_id = now, supervisor.id
        session.add(sample)
    session.flush()
    return added

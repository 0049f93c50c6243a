"""The demo city's fixed data: districts, accounts, categories, merchants (from the seeds' sectors)."""

DISTRICTS = [
    ("CD", "城东区", "Chengdong District"),
    ("CX", "城西区", "Chengxi District"),
    ("NH", "南湖区", "Nanhu District"),
]

DEMO_PASSWORD = "xiaobao-demo-2026"
# (username, display name, role, district code or None for city level, phone)
USERS = [
    ("13800000001", "王女士", "consumer", None, "13800000001"),
    ("volunteer", "李志愿", "volunteer", "CX", None),
    ("inspector", "赵执法", "inspector", "CD", None),
    ("handler", "陈受理", "handler", "CD", None),
    ("supervisor", "周主任", "supervisor", None, None),
    ("admin", "系统管理员", "admin", None, None),
]

# (code, name, name_en, children[(code, name, name_en)])
CATEGORIES = [
    ("goods", "商品类", "Goods", [
        ("food", "食品", "Food"),
        ("drugs", "药品及医疗器械", "Drugs and medical devices"),
        ("agri", "农资（种子、化肥、农药）", "Agricultural inputs (seeds, fertiliser, pesticide)"),
        ("appliances", "家用电器", "Household appliances"),
        ("cars", "汽车及零部件", "Cars and parts"),
        ("clothing", "服装鞋帽", "Clothing and shoes"),
        ("building", "房屋及建材", "Housing and building materials"),
        ("telecom_devices", "通讯器材", "Mobile phones and devices"),
        ("cosmetics", "化妆品", "Cosmetics"),
        ("other_goods", "其他商品", "Other goods"),
    ]),
    ("services", "服务类", "Services", [
        ("telecom", "电信服务", "Telecom services"),
        ("prepaid", "预付卡消费", "Prepaid cards"),
        ("online", "网络购物与直播带货", "Online shopping and livestream sales"),
        ("education", "教育培训", "Education and training"),
        ("beauty", "美容美发", "Beauty and hairdressing"),
        ("catering", "餐饮住宿", "Catering and accommodation"),
        ("property", "物业服务", "Property management"),
        ("tourism", "旅游服务", "Tourism"),
        ("finance", "金融保险", "Finance and insurance"),
        ("repair", "家电维修及家政", "Repairs and household services"),
        ("other_services", "其他服务", "Other services"),
    ]),
]

# (name, address, district code, sector)
MERCHANTS = [
    ("华联超市（东关店）", "城东区东关大街18号", "CD", "supermarket"),
    ("惠民生鲜超市", "城东区建设路56号", "CD", "supermarket"),
    ("老张食品店", "城东区菜市场东门3号", "CD", "food"),
    ("东关农贸市场12号摊位", "城东区东关农贸市场", "CD", "market"),
    ("福满楼酒家", "城东区人民路88号", "CD", "catering"),
    ("百姓大药房（人民路店）", "城东区人民路102号", "CD", "pharmacy"),
    ("丰收农资经营部", "城东区城郊乡政府对面", "CD", "agri_inputs"),
    ("国美电器城东店", "城东区商业街1号", "CD", "appliances"),
    ("通达汽车维修中心", "城东区工业大道9号", "CD", "cars"),
    ("靓丽美容美发", "城东区幸福小区底商5号", "CD", "beauty"),
    ("健身力量健身房", "城东区体育路20号", "CD", "fitness"),
    ("移动通信营业厅（东关）", "城东区东关大街30号", "CD", "telecom"),
    ("学而思远培训学校", "城东区文化路66号", "CD", "education"),
    ("安居物业服务有限公司", "城东区幸福小区", "CD", "property"),
    ("城西购物广场", "城西区西大街1号", "CX", "supermarket"),
    ("西门菜市场7号摊位", "城西区西门菜市场", "CX", "market"),
    ("好又多便利店", "城西区解放路12号", "CX", "supermarket"),
    ("德顺祥烤鸭店", "城西区解放路45号", "CX", "catering"),
    ("仁和堂药店", "城西区中山路8号", "CX", "pharmacy"),
    ("绿野种业门市部", "城西区西郊镇街道", "CX", "agri_inputs"),
    ("苏宁易购城西店", "城西区西大街88号", "CX", "appliances"),
    ("鑫达二手车行", "城西区环城西路200号", "CX", "cars"),
    ("时尚衣坊", "城西区步行街16号", "CX", "clothing"),
    ("居美建材城", "城西区建材市场A区", "CX", "building"),
    ("优品手机店", "城西区步行街33号", "CX", "telecom"),
    ("金色童年早教中心", "城西区中山路60号", "CX", "education"),
    ("悦享旅行社", "城西区中山路99号", "CX", "tourism"),
    ("南湖农贸市场21号摊位", "南湖区南湖农贸市场", "NH", "market"),
    ("南湖生活超市", "南湖区湖滨路3号", "NH", "supermarket"),
    ("湖畔渔家乐", "南湖区湖滨路128号", "NH", "catering"),
    ("康宁大药房", "南湖区新城大道15号", "NH", "pharmacy"),
    ("惠农化肥农药店", "南湖区南湖镇集市", "NH", "agri_inputs"),
    ("美的专卖店（南湖）", "南湖区新城大道50号", "NH", "appliances"),
    ("南湖汽车4S店", "南湖区汽贸园1号", "NH", "cars"),
    ("丽人美容会所", "南湖区新城大道72号", "NH", "beauty"),
    ("星光影城", "南湖区万达广场4楼", "NH", "other"),
    ("湖景花园物业", "南湖区湖景花园", "NH", "property"),
    ("小鹿直播优选（网店）", "南湖区电商产业园2号楼", "NH", "ecommerce"),
    ("安心保险代理", "南湖区金融街8号", "NH", "finance"),
    ("乐学英语培训", "南湖区新城大道90号", "NH", "education"),
]

# What consumers write, by category code: (problem type, desired outcome, description, amount yuan)
STORIES = [
    ("food", "quality", "refund", "在超市购买的牛奶已过保质期两天，收银时未发现，回家后才看到生产日期。要求退款并按规定赔偿。", "56.80"),
    ("food", "false_advertising", "compensation", "商家宣传为“纯手工土蜂蜜”,检测后发现为糖浆勾兑，要求退一赔三。", "198.00"),
    ("appliances", "after_sales", "repair", "购买的空调安装一周后不制冷，商家推说是安装公司的责任，拒绝上门维修。", "3299.00"),
    ("prepaid", "contract", "refund", "在健身房办理年卡，三个月后门店突然关门，剩余九个月费用无法退还。", "2680.00"),
    ("catering", "safety", "compensation", "在饭店就餐后全家腹泻，就医花费若干，饭店拒绝承担责任。", "460.00"),
    ("telecom", "contract", "refund", "营业厅工作人员未经同意为老人办理了高价套餐，每月多扣费用。", "387.00"),
    ("cars", "quality", "repair", "新车提车一个月发动机故障灯常亮，4S店多次检修未解决。", "156000.00"),
    ("online", "false_advertising", "refund", "直播间购买的羊绒衫到货后标签显示羊绒含量仅为10%,与宣传不符。", "399.00"),
    ("education", "contract", "refund", "孩子报名的培训班中途更换老师且课时减少，要求退还剩余课时费。", "4800.00"),
    ("agri", "quality", "compensation", "购买的玉米种子出苗率不足三成，耽误农时，要求赔偿损失。", "1250.00"),
    ("beauty", "price_fraud", "refund", "美容店先说免费体验，结束后强行收取高额费用并推销办卡。", "980.00"),
    ("property", "other", "other", "物业长期不清运小区垃圾，多次反映无果。", ""),
    ("drugs", "quality", "refund", "药店出售的血压计读数明显不准，要求退货。", "268.00"),
    ("clothing", "quality", "exchange", "新买的皮鞋穿了三天鞋底开胶，商家不同意换货。", "329.00"),
    ("tourism", "contract", "compensation", "旅行社擅自更改行程并增加自费购物点。", "2999.00"),
    ("telecom_devices", "quality", "exchange", "新买的手机屏幕出现亮线，七天内要求换货被拒。", "2499.00"),
]

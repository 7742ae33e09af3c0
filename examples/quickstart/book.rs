//! The demo book of business of 云启智造, an invented vendor of factory and supply-chain
//! software: its sales organisation, 50 customer accounts across China with their contacts,
//! 32 deals, 15 leads and about 80 follow-ups.
//!
//! The tables are written the way a sales team's sheets are — phones in every format,
//! amounts in 万, regions as 「江苏苏州」 or `Beijing` — and every cell goes through the same
//! value parsers an import would use. Rows refer to each other by name (an account by its
//! short name, a user by their name), as a sheet would; a name that matches nothing is an
//! error, never a silent gap. Times are relative to a fixed "now", so every load is identical.
//!
//! The deals sit in one stored pipeline with their stage history: each deal was opened in the
//! first stage and moved on, stage by stage, to where it is today (or to won or lost), every
//! move checked and applied by the pipeline and kept as a `StageChange`, the way an import of
//! a sales team's past would write them.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Timelike, Utc};
use crm::id::{ContactId, TagId, TenantId, UserId};
use crm::model::{
    self, Account, Activity, ActivityKind as Kind, Contact, Department, ForecastCategory, Lead,
    LeadStatus, MoveEvidence, Opportunity, Pipeline, StageChange, StageMove, Tag, Team, User,
};
use crm::value::{CompanyName, Currency, Email, Money, PersonName, Phone, PhoneKind, Region};
use crm::{Actor, Crm, Record, UnitOfWork};
use uuid::Uuid;

use LeadStatus::{New, Qualified, Working};
use Outcome::{Lost, Open, Won};

/// The tenant the demo lives in.
pub const TENANT: TenantId = TenantId(Uuid::from_u128(1));

/// Beijing time (UTC+8), in which the book is written and the summary printed. The offset is
/// checked when compiling, so it cannot fail at run time.
pub const BEIJING: FixedOffset = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");

/// The fixed "now" of the book: due dates, overdue tasks and recent follow-ups are relative to
/// it, whatever the date on the machine running the demo.
pub fn now() -> Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339("2026-03-02T09:00:00+08:00")?.to_utc())
}

/// The name of the stored pipeline the deals move through.
pub const PIPELINE_NAME: &str = "直销 Direct sales";

/// The key of the stage that wins a deal.
const WON: &str = "won";

/// The key of the stage that loses a deal.
const LOST: &str = "lost";

/// An open stage of the sales pipeline: how it is stored, the follow-up that typically
/// happens in it and the next step that moves a deal on.
struct Stage {
    /// The stage key stored on opportunities.
    key: &'static str,
    /// What the sales team calls it.
    label: &'static str,
    /// The default win probability of its deals, in percent.
    probability: u8,
    /// Where its deals count in a forecast.
    forecast: ForecastCategory,
    /// A deal left in it longer than this many days is rotting (停滞).
    rot_after_days: u32,
    /// How many days a deal typically spent in it before moving on, in the book's history.
    typical_days: i64,
    /// The follow-up logged while a deal is in this stage.
    step: (Kind, &'static str),
    /// The step planned to move a deal on from it.
    next: (Kind, &'static str),
}

/// The open stages of the pipeline, in order; won and lost follow them.
#[rustfmt::skip]
const PIPELINE: [Stage; 5] = [
    Stage { key: "qualification",   label: "初步接洽", probability: 10, forecast: ForecastCategory::Pipeline, rot_after_days: 14, typical_days: 8,  step: (Kind::Call,    "电话沟通，初步了解需求"),     next: (Kind::Visit, "预约上门调研") },
    Stage { key: "needs_analysis",  label: "需求分析", probability: 25, forecast: ForecastCategory::Pipeline, rot_after_days: 21, typical_days: 12, step: (Kind::Visit,   "现场调研，梳理业务流程"),     next: (Kind::Task,  "输出需求调研报告") },
    Stage { key: "proposal",        label: "方案报价", probability: 50, forecast: ForecastCategory::BestCase, rot_after_days: 21, typical_days: 14, step: (Kind::Meeting, "方案汇报与产品演示"),         next: (Kind::Task,  "按客户反馈修改方案并重新报价") },
    Stage { key: "negotiation",     label: "商务谈判", probability: 70, forecast: ForecastCategory::BestCase, rot_after_days: 14, typical_days: 10, step: (Kind::Meeting, "商务谈判：价格与付款条件"),   next: (Kind::Task,  "提交最终报价，申请特价审批") },
    Stage { key: "contract_review", label: "合同审批", probability: 90, forecast: ForecastCategory::Commit,   rot_after_days: 10, typical_days: 6,  step: (Kind::Task,    "合同条款修订，提交法务审批"), next: (Kind::Task,  "跟进客户盖章回传合同") },
];

/// The pipeline as stored: the stages of [`PIPELINE`], then won and lost. Any move is allowed
/// and any lost reason accepted.
fn pipeline() -> Result<Pipeline> {
    let open = PIPELINE.iter().map(|s| {
        model::Stage::open(s.key, s.label, s.probability)
            .forecast(s.forecast)
            .rots_after(s.rot_after_days)
    });
    let closed = [
        model::Stage::won(WON, "赢单"),
        model::Stage::lost(LOST, "输单"),
    ];
    Ok(Pipeline::new(PIPELINE_NAME, open.chain(closed).collect())?)
}

/// A cell of the tables below, which are laid out like the sheets a sales team keeps.
type Cell = &'static str;

/// Department, parent department.
const DEPARTMENTS: [(&str, Option<&str>); 4] = [
    ("总部", None),
    ("华北大区", Some("总部")),
    ("华东大区", Some("总部")),
    ("华南大区", Some("总部")),
];

/// Name, work email, mobile, department, manager. Managers come before their reports.
#[rustfmt::skip]
const USERS: [(&str, &str, &str, &str, Option<&str>); 6] = [
    ("周建国", "zhoujianguo@yunqi-tech.cn", "139 0100 8888",  "总部",     None),           // 销售总监
    ("李娜",   "lina@yunqi-tech.cn",        "138-1700-2233",  "华东大区", Some("周建国")), // 华东大区经理
    ("陈志强", "chenzhiqiang@yunqi-tech.cn", "+86 137 2871 0066", "华南大区", Some("周建国")), // 华南大区经理
    ("王磊",   "wanglei@yunqi-tech.cn",     "186 2155 7788",  "华东大区", Some("李娜")),
    ("刘洋",   "liuyang@yunqi-tech.cn",     "135 1008 6611",  "华南大区", Some("陈志强")),
    ("赵静",   "zhaojing@yunqi-tech.cn",    "138 1166 0520",  "华北大区", Some("周建国")),  // 北方与中西部
];

/// Team, leader, members.
const TEAMS: [(&str, &str, &[&str]); 2] = [
    ("大客户攻坚组", "周建国", &["李娜", "陈志强", "赵静"]),
    ("华东制造业小组", "李娜", &["王磊"]),
];

/// Name, short name (the key other tables use), industry, level, source, region,
/// switchboard, website, owner.
type AccountRow = (Cell, Cell, Cell, Cell, Cell, Cell, Cell, Cell, Cell);

#[rustfmt::skip]
const ACCOUNTS: &[AccountRow] = &[
    ("苏州恒瑞精密机械有限公司",     "恒瑞精机",   "机械制造",   "A", "展会",         "苏州",         "0512-6688 1234",       "www.hengrui-pm.com",   "王磊"),
    ("无锡新锐汽车零部件有限公司",   "新锐汽配",   "汽车零部件", "A", "招投标",       "无锡市",       "(0510)82345678",       "www.xinrui-auto.cn",   "王磊"),
    ("昆山华联电子科技有限公司",     "华联电子",   "电子制造",   "B", "老客户转介绍", "江苏苏州",     "0512-5763 9900",       "www.hl-elec.com.cn",   "王磊"),
    ("南京智达软件股份有限公司",     "智达软件",   "软件",       "B", "官网",         "南京",         "025-5266 8800 转 801", "www.zhida-soft.com",   "李娜"),
    ("常州天成新材料有限公司",       "天成新材",   "化工新材料", "C", "电话营销",     "常州",         "0519 8651 2277",       "",                     "王磊"),
    ("南通海通船舶配套有限公司",     "海通船配",   "船舶配套",   "B", "展会",         "江苏省南通市", "0513-8358 6600",       "www.ht-marine.cn",     "王磊"),
    ("上海锦程国际物流有限公司",     "锦程物流",   "物流",       "A", "招投标",       "上海",         "(021)54321234",        "www.jc-logistics.com", "李娜"),
    ("上海瑞康医疗器械有限公司",     "瑞康医疗",   "医疗器械",   "A", "展会",         "上海市",       "021-6487 2255",        "www.ruikang-med.com",  "李娜"),
    ("上海启明星教育科技有限公司",   "启明星教育", "教育",       "C", "官网",         "Shanghai",     "400-820-6688",         "www.qmx-edu.com",      "王磊"),
    ("上海优品汇连锁超市有限公司",   "优品汇",     "零售连锁",   "B", "电话营销",     "上海",         "021 5988 1200",        "",                     "李娜"),
    ("杭州云帆信息技术有限公司",     "云帆信息",   "软件",       "B", "官网",         "杭州",         "0571-8765 4321",       "www.yunfan-it.com",    "王磊"),
    ("宁波东海模具有限公司",         "东海模具",   "模具制造",   "B", "展会",         "浙江宁波",     "0574-8622 3311",       "",                     "王磊"),
    ("温州宏达阀门有限公司",         "宏达阀门",   "阀门制造",   "C", "老客户转介绍", "温州",         "0577-8668 5050",       "",                     "王磊"),
    ("绍兴华美纺织印染有限公司",     "华美纺织",   "纺织印染",   "C", "电话营销",     "绍兴",         "0575 8512 3456",       "",                     "王磊"),
    ("嘉兴和康医药连锁有限公司",     "和康医药",   "医药零售",   "B", "招投标",       "嘉兴",         "0573-8208 9988",       "www.hekang-pharm.com", "李娜"),
    ("合肥中科智能装备有限公司",     "中科装备",   "智能装备",   "B", "官网",         "合肥",         "0551-6531 7788",       "www.zk-ie.com",        "李娜"),
    ("芜湖长江汽车座椅有限公司",     "长江座椅",   "汽车零部件", "C", "展会",         "安徽芜湖",     "0553-596 6120",        "",                     "王磊"),
    ("深圳市鼎新通信技术有限公司",   "鼎新通信",   "通信设备",   "A", "展会",         "深圳",         "+86 755 8888 1234",    "www.dingxin-tel.com",  "刘洋"),
    ("深圳市安泰医疗科技有限公司",   "安泰医疗",   "医疗器械",   "A", "老客户转介绍", "广东深圳",     "0755-2671 3399",       "www.antai-med.cn",     "陈志强"),
    ("深圳市速达供应链管理有限公司", "速达供应链", "物流",       "B", "招投标",       "深圳市",       "0755 8327 6600",       "",                     "刘洋"),
    ("广州穗丰食品有限公司",         "穗丰食品",   "食品加工",   "B", "电话营销",     "广州",         "020-3888 1234",        "www.suifeng-food.com", "刘洋"),
    ("广州南粤教育信息技术有限公司", "南粤教育",   "教育",       "C", "官网",         "广州",         "020 8755 0101",        "",                     "刘洋"),
    ("广州美佳家居连锁有限公司",     "美佳家居",   "零售连锁",   "B", "展会",         "广东省广州市", "(020)34567890",        "www.meijia-home.com",  "陈志强"),
    ("东莞市长盛塑胶制品有限公司",   "长盛塑胶",   "塑胶制品",   "B", "展会",         "东莞",         "（0769）2288 1234",    "",                     "刘洋"),
    ("东莞市精工五金有限公司",       "精工五金",   "五金制造",   "C", "电话营销",     "东莞市",       "0769-8181 5566",       "",                     "刘洋"),
    ("佛山市顺德区美达电器有限公司", "美达电器",   "家电制造",   "A", "招投标",       "佛山",         "0757-2233 8899",       "www.meida-ea.com",     "陈志强"),
    ("珠海海纳半导体有限公司",       "海纳半导体", "半导体",     "B", "官网",         "珠海",         "0756-339 1220",        "www.haina-semi.com",   "陈志强"),
    ("中山市明辉灯饰照明有限公司",   "明辉照明",   "灯饰照明",   "C", "展会",         "中山",         "0760-2255 7788",       "",                     "刘洋"),
    ("厦门海润进出口贸易有限公司",   "海润贸易",   "外贸",       "C", "电话营销",     "厦门",         "0592-508 8321",        "",                     "刘洋"),
    ("福州闽信软件有限公司",         "闽信软件",   "软件",       "B", "官网",         "福州",         "0591-8766 5432",       "www.minxin-soft.com",  "陈志强"),
    ("泉州鸿鑫鞋业有限公司",         "鸿鑫鞋业",   "鞋服制造",   "B", "展会",         "福建泉州",     "0595-2256 8888",       "",                     "刘洋"),
    ("南宁桂信物流有限公司",         "桂信物流",   "物流",       "C", "招投标",       "南宁",         "0771-558 1200",        "",                     "刘洋"),
    ("北京中科信达软件技术有限公司", "中科信达",   "软件",       "A", "招投标",       "北京",         "010-6265 8899",        "www.zkxd-soft.com",    "赵静"),
    ("北京博远医学影像设备有限公司", "博远医疗",   "医疗器械",   "A", "展会",         "北京市",       "010 8456 7788",        "www.boyuan-med.com",   "周建国"),
    ("北京京师启航教育科技有限公司", "启航教育",   "教育",       "B", "官网",         "Beijing",      "(010)59871234",        "",                     "赵静"),
    ("天津港信国际物流有限公司",     "港信物流",   "物流",       "B", "老客户转介绍", "天津",         "022-2576 3300",        "www.gangxin-log.com",  "赵静"),
    ("天津滨海重工机械有限公司",     "滨海重工",   "机械制造",   "A", "招投标",       "天津市",       "022-6629 1188",        "",                     "周建国"),
    ("青岛蓝海冷链物流有限公司",     "蓝海冷链",   "冷链物流",   "B", "展会",         "青岛",         "0532-8088 6655",       "",                     "赵静"),
    ("济南鲁信数控机床有限公司",     "鲁信数控",   "机床制造",   "B", "电话营销",     "山东济南",     "0531-8869 2211",       "",                     "赵静"),
    ("石家庄冀康制药有限公司",       "冀康制药",   "制药",       "B", "官网",         "石家庄",       "0311-8567 3322",       "",                     "赵静"),
    ("沈阳辽沈精密铸造有限公司",     "辽沈铸造",   "铸造",       "C", "招投标",       "沈阳",         "024-2251 7788",        "",                     "赵静"),
    ("大连海星船舶电气有限公司",     "海星船电",   "船舶配套",   "B", "展会",         "大连",         "0411-8476 2200",       "",                     "赵静"),
    ("郑州豫丰粮油有限公司",         "豫丰粮油",   "食品加工",   "C", "电话营销",     "郑州",         "0371-6789 1234",       "",                     "赵静"),
    ("武汉光谷智联科技有限公司",     "光谷智联",   "软件",       "B", "官网",         "武汉",         "027-8778 6600",        "www.ggzl-tech.com",    "赵静"),
    ("武汉楚天医疗器械有限公司",     "楚天医疗",   "医疗器械",   "A", "老客户转介绍", "湖北武汉",     "027 8363 5500",        "",                     "周建国"),
    ("长沙湘江工程机械有限公司",     "湘江机械",   "工程机械",   "B", "展会",         "长沙",         "0731-8857 3399",       "",                     "赵静"),
    ("成都天府云数据科技有限公司",   "天府云",     "软件",       "A", "招投标",       "成都",         "028-8533 9900",        "www.tfcloud-data.com", "周建国"),
    ("成都蜀味连锁餐饮管理有限公司", "蜀味连锁",   "餐饮连锁",   "C", "电话营销",     "Chengdu",      "028 6677 8899",        "",                     "赵静"),
    ("重庆渝新汽车配件有限公司",     "渝新汽配",   "汽车零部件", "B", "展会",         "重庆",         "023-6786 5432",        "",                     "赵静"),
    ("西安汉唐精密仪器有限公司",     "汉唐仪器",   "仪器仪表",   "B", "招投标",       "西安",         "029-8832 1100",        "",                     "赵静"),
];

/// Account, name, title, phone (a mobile, or the switchboard with an extension), email. The
/// first contact of each account is its primary contact.
type ContactRow = (Cell, Cell, Cell, Cell, Cell);

#[rustfmt::skip]
const CONTACTS: &[ContactRow] = &[
    ("恒瑞精机",   "张建华", "总经理",         "138-1234-5678",           "zhangjh@hengrui-pm.com"),
    ("恒瑞精机",   "李梅",   "采购经理",       "+86 139 0000 1111",       "limei@hengrui-pm.com"),
    ("恒瑞精机",   "周涛",   "IT总监",         "0512-6688 1234 转 806",   "Zhou.Tao@HengRui-PM.com"),
    ("新锐汽配",   "钱伟",   "生产副总",       "139-5102-8866",           "qianwei@xinrui-auto.cn"),
    ("新锐汽配",   "孙丽",   "采购主管",       "158 6177 2031",           "sunli_wx@163.com"),
    ("华联电子",   "吴强",   "厂长",           "+86 135 0626 4418",       ""),
    ("智达软件",   "刘晓东", "CTO",            "186-0516-3377",           "liuxd@zhida-soft.com"),
    ("智达软件",   "何敏",   "商务经理",       "025-5266 8800 转 805",    "hemin@zhida-soft.com"),
    ("天成新材",   "蒋红",   "采购经理",       "13961234500",             "3327781@qq.com"),
    ("天成新材",   "沈国平", "总经理",         "0519-8651 2277 转 1",     ""),
    ("海通船配",   "顾建国", "设备部部长",     "150 6281 9090",           "gujg@ht-marine.cn"),
    ("海通船配",   "陆燕",   "采购专员",       "152-5133-4466",           ""),
    ("锦程物流",   "沈佳",   "运营总监",       "139 1688 2020",           "shenjia@jc-logistics.com"),
    ("锦程物流",   "陆毅",   "IT经理",         "+86-137-6122-8080",       "luyi@jc-logistics.com"),
    ("锦程物流",   "范晓雯", "财务经理",       "021-5432 1234 转 3012",   "fanxw@jc-logistics.com"),
    ("瑞康医疗",   "杜文博", "总经理",         "138 1761 5500",           "duwb@ruikang-med.com"),
    ("瑞康医疗",   "林晓",   "质量部经理",     "１３９ １８２２ ６６７７", "linxiao@ruikang-med.com"),
    ("启明星教育", "唐晓燕", "教务主任",       "185-0211-7788",           "tangxy@qmx-edu.com"),
    ("优品汇",     "袁飞",   "信息部经理",     "136 0170 4455",           "yuanfei@163.com"),
    ("优品汇",     "曹颖",   "运营副总",       "+86 138 1652 9911",       ""),
    ("云帆信息",   "许朝阳", "研发总监",       "0086 135 8801 2345",      "xuzy@yunfan-it.com"),
    ("云帆信息",   "郑佳",   "行政采购",       "0571-8765 4321 转 6",     "zhengjia@yunfan-it.com"),
    ("东海模具",   "毛利民", "总经理",         "138 5748 1122",           ""),
    ("东海模具",   "应丽娟", "财务主管",       "13958236677",             "1985726@qq.com"),
    ("宏达阀门",   "叶振华", "董事长",         "+86 139 5773 0088",       ""),
    ("华美纺织",   "金晓峰", "生产经理",       "159-5751-3300",           "jinxf@163.com"),
    ("和康医药",   "朱敏",   "信息中心主任",   "137 3573 6688",           "zhumin@hekang-pharm.com"),
    ("和康医药",   "王海涛", "采购总监",       "138-5730-1122",           "wanght@hekang-pharm.com"),
    ("中科装备",   "程亮",   "售后服务总监",   "186 5513 2020",           "chengliang@zk-ie.com"),
    ("中科装备",   "汪洋",   "IT主管",         "0551-6531 7788 转 210",   "wangyang@zk-ie.com"),
    ("长江座椅",   "储国庆", "厂长",           "139 5536 7788",           ""),
    ("鼎新通信",   "黄志明", "运营副总裁",     "+86 138 2876 5432",       "huangzm@dingxin-tel.com"),
    ("鼎新通信",   "邓丽",   "采购经理",       "135-1000-2233",           "dengli@dingxin-tel.com"),
    ("鼎新通信",   "罗斌",   "IT总监",         "86 189 2345 6789",        "luobin@dingxin-tel.com"),
    ("安泰医疗",   "梁永康", "总经理",         "139 2377 8800",           "liangyk@antai-med.cn"),
    ("安泰医疗",   "谢婷",   "注册与质量经理", "１５９ ８９９０ １２３４", "xieting@antai-med.cn"),
    ("速达供应链", "吴俊",   "IT总监",         "137-2456-7788",           "wujun_sd@qq.com"),
    ("速达供应链", "蔡晓玲", "运营经理",       "0755 8327 6600 转 218",   ""),
    ("穗丰食品",   "麦志坚", "厂长",           "138 0240 5566",           "maizj@suifeng-food.com"),
    ("南粤教育",   "冯嘉欣", "项目经理",       "+86 136 3155 8899",       "fengjx@163.com"),
    ("美佳家居",   "陈嘉豪", "信息部总监",     "13922887766",             "chenjh@meijia-home.com"),
    ("美佳家居",   "何雪",   "采购经理",       "020-3456 7890 转 802",    "hexue@meijia-home.com"),
    ("长盛塑胶",   "钟伟强", "厂长",           "139-2291-3344",           ""),
    ("长盛塑胶",   "李秀英", "采购",           "15817263390",             "2716630@qq.com"),
    ("精工五金",   "叶建新", "老板",           "138 2690 1188",           ""),
    ("美达电器",   "潘国栋", "副总裁",         "+86 138 2233 0099",       "pangd@meida-ea.com"),
    ("美达电器",   "区慧敏", "IT经理",         "0757-2233 8899 转 6012",  "ouhm@meida-ea.com"),
    ("美达电器",   "苏伟",   "能源管理主管",   "186 8801 3355",           "suwei@meida-ea.com"),
    ("海纳半导体", "赵启航", "厂务总监",       "138 0756 2211",           "zhaoqh@haina-semi.com"),
    ("海纳半导体", "孔丽",   "采购经理",       "159-1866-7788",           "kongli@haina-semi.com"),
    ("明辉照明",   "郭明辉", "总经理",         "139 2830 1166",           ""),
    ("海润贸易",   "林志强", "业务经理",       "+86 135 9988 2211",       "lzq_xm@163.com"),
    ("闽信软件",   "陈宏",   "总经理",         "137 0591 8866",           "chenhong@minxin-soft.com"),
    ("闽信软件",   "黄秀琴", "市场经理",       "135-0501-2233",           "huangxq@minxin-soft.com"),
    ("鸿鑫鞋业",   "洪金水", "厂长",           "139 5955 6677",           ""),
    ("鸿鑫鞋业",   "蔡美玲", "人事经理",       "13805951234",             "3912268@qq.com"),
    ("桂信物流",   "韦宁",   "运营经理",       "+86 177 7711 2233",       "weining@163.com"),
    ("中科信达",   "孙志刚", "副总经理",       "139 1012 3456",           "sunzg@zkxd-soft.com"),
    ("中科信达",   "马丽",   "采购经理",       "010-6265 8899 转 8021",   "mali@zkxd-soft.com"),
    ("中科信达",   "刘畅",   "首席架构师",     "186 1166 2277",           "liuchang@zkxd-soft.com"),
    ("博远医疗",   "高建军", "生产总监",       "138-1001-7766",           "gaojj@boyuan-med.com"),
    ("博远医疗",   "田甜",   "质量经理",       "+86 135 2211 9080",       "tiantian@boyuan-med.com"),
    ("启航教育",   "魏巍",   "校区主任",       "158 0101 3366",           "weiwei_bj@163.com"),
    ("港信物流",   "董立新", "总经理",         "139 2012 5566",           "donglx@gangxin-log.com"),
    ("港信物流",   "姜楠",   "IT主管",         "022-2576 3300 转 305",    "jiangnan@gangxin-log.com"),
    ("滨海重工",   "宋振宇", "设备部部长",     "136 2022 8899",           ""),
    ("滨海重工",   "韩冰",   "采购总监",       "+86 138 2036 1177",       "hanbing@163.com"),
    ("蓝海冷链",   "于海洋", "运营总监",       "135 0532 7788",           "yuhaiyang@qq.com"),
    ("鲁信数控",   "孟凡军", "技术副总",       "186-0531-2299",           ""),
    ("冀康制药",   "郝建平", "信息科科长",     "139 3111 4455",           ""),
    ("冀康制药",   "史文静", "QA经理",         "0311-8567 3322 转 16",    ""),
    ("辽沈铸造",   "白雪松", "厂长",           "138 4001 6677",           ""),
    ("海星船电",   "邹海波", "总经理",         "0086 139 4111 2288",      "zouhb@163.com"),
    ("豫丰粮油",   "常建设", "采购经理",       "137 8866 5544",           "2589901@qq.com"),
    ("光谷智联",   "夏雨",   "CEO",            "+86 186 7201 3344",       "xiayu@ggzl-tech.com"),
    ("光谷智联",   "熊伟",   "技术总监",       "027-8778 6600 转 8",      "xiongwei@ggzl-tech.com"),
    ("楚天医疗",   "万国华", "总经理",         "139 0718 2266",           ""),
    ("楚天医疗",   "彭静",   "采购经理",       "135-5401-7788",           "pengjing@163.com"),
    ("湘江机械",   "谭志勇", "服务总监",       "138 7312 9900",           ""),
    ("天府云",     "罗晓川", "运维总监",       "189 8001 2233",           "luoxc@tfcloud-data.com"),
    ("天府云",     "杨柳",   "采购经理",       "+86 138 8099 6655",       "yangliu@tfcloud-data.com"),
    ("天府云",     "何川",   "CTO",            "139-8170-1122",           "hechuan@tfcloud-data.com"),
    ("蜀味连锁",   "蒋小燕", "运营经理",       "159 8200 7788",           "jiangxy@qq.com"),
    ("渝新汽配",   "冉光明", "质量部部长",     "136 0836 5544",           ""),
    ("渝新汽配",   "秦怡",   "采购",           "+86 152 2301 8899",       "qinyi_cq@163.com"),
    ("汉唐仪器",   "薛峰",   "总工程师",       "139 9120 3344",           ""),
];

/// How a deal stands: open, or won or lost that many days before "now".
#[derive(Clone, Copy)]
enum Outcome {
    Open,
    Won(i64),
    Lost(i64, &'static str),
}

/// Account, deal, stage (the one it is in, or was in when it closed), amount, expected close.
#[rustfmt::skip]
const DEALS: &[(&str, &str, &str, &str, &str, Outcome)] = &[
    ("恒瑞精机",   "MES系统二期",          "negotiation",     "120万",        "2026-03-31", Open),
    ("恒瑞精机",   "设备联网IoT平台",      "qualification",   "35万",         "2026-06-30", Open),
    ("新锐汽配",   "质量追溯系统",         "contract_review", "¥1,860,000",   "2026-03-15", Open),
    ("华联电子",   "SMT车间电子看板",      "proposal",        "28万",         "2026-04-15", Open),
    ("智达软件",   "研发项目管理平台",     "needs_analysis",  "45万",         "2026-05-31", Open),
    ("锦程物流",   "仓储管理系统WMS升级",  "proposal",        "260万",        "2026-04-30", Open),
    ("锦程物流",   "2026年度运维服务",     "contract_review", "18万",         "2026-01-15", Won(45)),
    ("瑞康医疗",   "UDI追溯与合规系统",    "negotiation",     "150万元",      "2026-03-31", Open),
    ("启明星教育", "在线排课系统",         "qualification",   "8万",          "2026-06-30", Lost(20, "客户预算取消")),
    ("优品汇",     "门店数字化改造",       "needs_analysis",  "500万",        "2026-09-30", Open),
    ("云帆信息",   "代码托管私有化部署",   "proposal",        "62万",         "2026-02-28", Lost(9, "选择了竞品，报价低约20%")),
    ("东海模具",   "模具寿命管理模块",     "qualification",   "15万",         "2026-05-15", Open),
    ("和康医药",   "门店进销存系统",       "contract_review", "96万",         "2026-02-28", Won(3)),
    ("中科装备",   "售后服务工单系统",     "proposal",        "42万",         "2026-04-15", Open),
    ("鼎新通信",   "生产执行系统MES一期",  "negotiation",     "380万",        "2026-04-30", Open),
    ("安泰医疗",   "灭菌过程数据采集",     "contract_review", "75万",         "2026-03-10", Open),
    ("速达供应链", "运输管理系统TMS",      "proposal",        "1,350,000元",  "2026-05-31", Open),
    ("穗丰食品",   "冷库温控监测",         "needs_analysis",  "22万",         "2026-04-30", Open),
    ("美佳家居",   "会员与导购系统",       "proposal",        "88万",         "2026-03-31", Lost(15, "客户决定自研")),
    ("长盛塑胶",   "注塑机联网试点",       "qualification",   "5万",          "2026-05-31", Open),
    ("美达电器",   "能源管理系统",         "negotiation",     "210万",        "2026-03-31", Open),
    ("海纳半导体", "洁净室环境监控",       "contract_review", "68万",         "2026-02-20", Won(10)),
    ("闽信软件",   "渠道合作框架协议",     "needs_analysis",  "30万",         "2026-06-30", Open),
    ("鸿鑫鞋业",   "计件工资系统",         "proposal",        "12.8万",       "2026-03-20", Open),
    ("中科信达",   "信创适配联合方案",     "proposal",        "320万",        "2026-06-30", Open),
    ("博远医疗",   "生产质量管理QMS",      "negotiation",     "¥2,350,000",   "2026-03-31", Open),
    ("港信物流",   "堆场管理系统",         "contract_review", "145万",        "2026-01-31", Won(35)),
    ("滨海重工",   "设备预测性维护",       "needs_analysis",  "480万",        "2026-08-31", Open),
    ("楚天医疗",   "经销商管理平台",       "proposal",        "56万",         "2026-04-30", Lost(6, "项目延期至明年")),
    ("天府云",     "数据中心运维平台扩容", "negotiation",     "275万",        "2026-03-31", Open),
    ("湘江机械",   "备件管理系统",         "qualification",   "40万",         "2026-07-31", Open),
    ("渝新汽配",   "质量追溯系统",         "needs_analysis",  "65万",         "2026-05-31", Open),
];

/// Company, person, title, phone, email, region, industry, source, status, owner. Blank
/// cells are unknown; new leads wait unowned in the public pool (公海).
type LeadRow = (
    Cell,
    Cell,
    Cell,
    Cell,
    Cell,
    Cell,
    Cell,
    Cell,
    LeadStatus,
    Cell,
);

#[rustfmt::skip]
const LEADS: &[LeadRow] = &[
    ("苏州博瑞特自动化设备有限公司", "马骏",   "技术经理", "13962178855",       "",                       "苏州", "自动化设备", "展会",         New,       ""),
    ("杭州绿源环保科技有限公司",     "",       "",         "0571-8699 2233",    "",                       "杭州", "环保",       "展会",         New,       ""),
    ("深圳市星河智能硬件有限公司",   "黄伟",   "采购经理", "+86 186 2233 4455", "huangwei@xinghe-hw.com", "深圳", "智能硬件",   "官网",         Working,   "刘洋"),
    ("宁波甬达物流有限公司",         "",       "",         "0574-8765 1122",    "",                       "宁波", "物流",       "电话营销",     New,       ""),
    ("北京恒泰康医疗科技有限公司",   "杨帆",   "信息科长", "139 1122 3344",     "yangfan@htk-med.cn",     "北京", "医疗器械",   "招投标",       Qualified, "赵静"),
    ("",                             "刘女士", "",         "159-8876-2210",     "",                       "广州", "",           "官网",         New,       ""),
    ("青岛海川机械有限公司",         "郑刚",   "总经理",   "0532-8577 6600",    "",                       "青岛", "机械制造",   "老客户转介绍", Working,   "赵静"),
    ("东莞市华尔达电子有限公司",     "",       "",         "（0769）8533 2211", "",                       "东莞", "电子制造",   "展会",         New,       ""),
    ("成都锦官城教育咨询有限公司",   "唐静",   "校长助理", "18980012233",       "tangjing@163.com",       "成都", "教育",       "官网",         Working,   "赵静"),
    ("武汉长江储运有限公司",         "胡斌",   "物流经理", "+86 131 0711 8899", "",                       "武汉", "物流",       "展会",         Qualified, "赵静"),
    ("合肥瑞丰食品有限公司",         "",       "",         "0551-6288 3344",    "",                       "合肥", "食品加工",   "电话营销",     New,       ""),
    ("上海浦江精密模具有限公司",     "许志远", "厂长",     "021-5788 1234",     "xuzy@pjmold.com",        "上海", "模具制造",   "展会",         Working,   "王磊"),
    ("天津津门医药连锁有限公司",     "高洁",   "IT主管",   "022 2388 7766",     "",                       "天津", "医药零售",   "老客户转介绍", Qualified, "赵静"),
    ("厦门鹭岛进出口有限公司",       "",       "",         "",                  "info@ludao-trade.com",   "厦门", "外贸",       "官网",         New,       ""),
    ("郑州中原数控刀具有限公司",     "",       "",         "0371-6555 8899",    "",                       "郑州", "机床制造",   "展会",         New,       ""),
];

/// Follow-ups on accounts outside any deal: account, kind, subject, days from "now", hour
/// (Beijing time), done. Open ones in the past are overdue.
#[rustfmt::skip]
const ACCOUNT_FOLLOW_UPS: &[(&str, Kind, &str, i64, u32, bool)] = &[
    ("恒瑞精机", Kind::Visit,   "季度拜访：一期MES运行情况回访",          -1, 14, true),
    ("锦程物流", Kind::Call,    "确认2026年运维服务续约意向",             -2, 10, true),
    ("华联电子", Kind::Call,    "感谢转介绍，了解二期扩产计划",          -15, 16, true),
    ("天成新材", Kind::Call,    "电话回访：今年暂无预算，三季度再联系",  -30, 11, true),
    ("美达电器", Kind::Visit,   "陪同周总拜访潘总，沟通能源管理规划",     -6, 10, true),
    ("港信物流", Kind::Visit,   "堆场系统上线一个月回访",                 -5, 14, true),
    ("冀康制药", Kind::Email,   "发送GMP合规白皮书",                     -11,  9, true),
    ("蜀味连锁", Kind::Note,    "客户计划下半年新开30家门店，届时再跟进", -25,  9, true),
    ("瑞康医疗", Kind::Task,    "寄送医疗器械行业案例集",                 -4,  9, false),
    ("东海模具", Kind::Task,    "整理模具行业方案PPT",                    -1, 18, false),
    ("优品汇",   Kind::Meeting, "门店数字化项目需求启动会",                3, 14, false),
    ("汉唐仪器", Kind::Task,    "提交招投标资格预审材料",                  2, 17, false),
];

/// A stored account and the person its deals and follow-ups go through.
struct Customer {
    account: Record<Account>,
    contact: Option<ContactId>,
}

/// The tags the loader puts on records.
struct Tags {
    key_account: TagId,
    trade_show: TagId,
    referral: TagId,
}

/// An activity and the user it belongs to.
struct FollowUp {
    owner: Option<UserId>,
    activity: Activity,
}

/// Load the whole book as of `now`, in one unit of work: if any row fails, nothing is stored.
pub async fn load(crm: &Crm, actor: &Actor, now: DateTime<Utc>) -> Result<()> {
    let mut uow = crm.begin(actor).await?;
    let users = load_org(&mut uow).await?;
    let tags = Tags {
        key_account: create_tag(&mut uow, "重点客户", "#d4380d").await?,
        trade_show: create_tag(&mut uow, "展会线索", "#1677ff").await?,
        referral: create_tag(&mut uow, "老客户转介绍", "#52c41a").await?,
    };
    let mut customers = load_accounts(&mut uow, &users, &tags).await?;
    load_contacts(&mut uow, &mut customers).await?;
    let mut follow_ups = load_deals(&mut uow, &customers, now).await?;
    follow_ups.extend(load_leads(&mut uow, &users, &tags, now).await?);
    for &(key, kind, subject, days, hour, done) in ACCOUNT_FOLLOW_UPS {
        let customer = lookup(&customers, "account", key)?;
        let at = day_at(now, days, hour)?;
        follow_ups.push(follow_up(customer, kind, subject, at, done));
    }
    log_follow_ups(&mut uow, follow_ups).await?;
    uow.commit().await?;
    Ok(())
}

/// Departments, users and teams; returns the users by name.
async fn load_org(uow: &mut UnitOfWork<'_>) -> Result<BTreeMap<&'static str, UserId>> {
    let mut departments = BTreeMap::new();
    for (name, parent) in DEPARTMENTS {
        let parent = parent.map(|p| lookup(&departments, "department", p).copied());
        let department = Department {
            name: name.into(),
            parent: parent.transpose()?,
        };
        departments.insert(name, uow.create_owned(None, department).await?.id);
    }

    let mut users = BTreeMap::new();
    for (name, email, mobile, department, manager) in USERS {
        let mut user = User::new(PersonName::parse(name)?);
        user.email = Some(Email::parse(email)?);
        user.mobile = Some(Phone::parse(mobile)?);
        user.department_id = Some(*lookup(&departments, "department", department)?);
        let manager = manager.map(|m| lookup(&users, "user", m).copied());
        user.manager_id = manager.transpose()?;
        users.insert(name, uow.create_owned(None, user).await?.id);
    }

    for (name, leader, members) in TEAMS {
        let members = members.iter().map(|m| lookup(&users, "user", m).copied());
        let team = Team {
            name: name.into(),
            leader: Some(*lookup(&users, "user", leader)?),
            members: members.collect::<Result<_>>()?,
        };
        uow.create_owned(None, team).await?;
    }
    Ok(users)
}

async fn create_tag(uow: &mut UnitOfWork<'_>, name: &str, color: &str) -> Result<TagId> {
    let tag = Tag {
        name: name.into(),
        color: Some(color.into()),
    };
    Ok(uow.create_owned(None, tag).await?.id)
}

async fn load_accounts(
    uow: &mut UnitOfWork<'_>,
    users: &BTreeMap<&str, UserId>,
    tags: &Tags,
) -> Result<BTreeMap<&'static str, Customer>> {
    let mut customers = BTreeMap::new();
    for &row in ACCOUNTS {
        let (name, short, .., owner) = row;
        let account = account(row, tags).with_context(|| format!("account 「{name}」"))?;
        let owner = *lookup(users, "user", owner)?;
        let account = uow.create_owned(Some(owner), account).await?;
        let customer = Customer {
            account,
            contact: None,
        };
        customers.insert(short, customer);
    }
    Ok(customers)
}

fn account(
    (name, short, industry, level, source, region, phone, website, _): AccountRow,
    tags: &Tags,
) -> Result<Account> {
    let mut account = Account::new(CompanyName::parse(name)?);
    account.short_name = Some(short.into());
    account.industry = Some(industry.into());
    account.level = Some(level.into());
    account.source = Some(source.into());
    account.region = Some(Region::parse(region)?);
    account.phone = Some(Phone::parse(phone)?);
    account.website = cell(website).map(Into::into);
    if level == "A" {
        account.tags.insert(tags.key_account);
    }
    if source == "老客户转介绍" {
        account.tags.insert(tags.referral);
    }
    Ok(account)
}

async fn load_contacts(
    uow: &mut UnitOfWork<'_>,
    customers: &mut BTreeMap<&'static str, Customer>,
) -> Result<()> {
    for &row in CONTACTS {
        let (key, name, ..) = row;
        let customer = customers
            .get_mut(key)
            .with_context(|| unknown("account", key))?;
        let contact = contact(row, customer).with_context(|| format!("contact {name} of {key}"))?;
        // A customer's people are looked after by whoever owns the account.
        let contact = uow
            .create_owned(customer.account.meta.owner, contact)
            .await?;
        customer.contact.get_or_insert(contact.id);
    }
    Ok(())
}

/// A contact at `customer`; its first one becomes the primary contact.
fn contact((_, name, title, phone, email): ContactRow, customer: &Customer) -> Result<Contact> {
    let mut contact = Contact::new(PersonName::parse(name)?);
    contact.account_id = Some(customer.account.id);
    contact.title = Some(title.into());
    contact.region = customer.account.region;
    file_phone(phone, &mut contact.mobile, &mut contact.phone)?;
    contact.email = cell(email).map(Email::parse).transpose()?;
    contact.primary = customer.contact.is_none();
    Ok(contact)
}

/// The deals in the pipeline, each with its stage history, its latest follow-up and either
/// its next step (open deals) or the conversation that closed it (won and lost ones).
async fn load_deals(
    uow: &mut UnitOfWork<'_>,
    customers: &BTreeMap<&str, Customer>,
    now: DateTime<Utc>,
) -> Result<Vec<FollowUp>> {
    let pipeline = uow.create_owned(None, pipeline()?).await?;
    let mut follow_ups = Vec::new();
    for (i, &(key, name, stage, amount, close, outcome)) in (0_i64..).zip(DEALS) {
        let customer = lookup(customers, "account", key)?;
        let reached = PIPELINE
            .iter()
            .position(|s| s.key == stage)
            .with_context(|| format!("deal {name}: unknown stage {stage:?}"))?;
        let stage = &PIPELINE[reached];
        let titled = |subject: &str| format!("【{name}】{subject}");
        let mut deal = Opportunity::new(customer.account.id, name, PIPELINE[0].key);
        deal.pipeline_id = Some(pipeline.id);
        deal.contact_id = customer.contact;
        deal.amount = Some(Money::parse(amount, Currency::CNY)?);
        let close = close.parse::<NaiveDate>();
        deal.expected_close = Some(close.with_context(|| format!("deal {name}: expected close"))?);

        // Open deals were last touched 2 to 20 days ago, spread with a fixed stride so that
        // every load is the same; their next step is due 15 days after that, so the ones
        // left alone longest are overdue. Closed deals were last worked on a week before
        // they closed. Every deal had entered that stage up to a week before that touch.
        let hour = 9 + (i % 9) as u32;
        let touched = match outcome {
            Open => 2 + i * 7 % 19,
            Won(days) | Lost(days, _) => days + 7,
        };
        let (opened, mut moves) = past_moves(i, reached, touched + i * 5 % 8, now, hour)?;
        let (kind, subject) = stage.step;
        let touch = follow_up(
            customer,
            kind,
            &titled(subject),
            day_at(now, -touched, hour)?,
            true,
        );
        let next = match outcome {
            Open => {
                let (kind, subject) = stage.next;
                let due = day_at(now, 15 - touched, hour)?;
                follow_up(customer, kind, &titled(subject), due, false)
            }
            Won(days) => {
                let at = day_at(now, -days, hour)?;
                moves.push((WON, at, None));
                follow_up(customer, Kind::Visit, &titled("合同签署，赢单"), at, true)
            }
            Lost(days, reason) => {
                let at = day_at(now, -days, hour)?;
                moves.push((LOST, at, Some(reason)));
                let subject = titled(&format!("输单回访：{reason}"));
                follow_up(customer, Kind::Call, &subject, at, true)
            }
        };
        let history = replay(&pipeline.data, &mut deal, opened, &moves)
            .with_context(|| format!("deal {name}: stage history"))?;
        deal.last_activity_at = next.activity.done_at.or(touch.activity.done_at);
        let deal = uow.create_owned(customer.account.meta.owner, deal).await?;
        let changes = history
            .into_iter()
            .map(|(step, entered_from_at, at)| {
                StageChange::new(deal.id, pipeline.id, step, entered_from_at, at)
            })
            .collect();
        uow.create_many(deal.meta.owner, changes).await?;
        for mut follow_up in [touch, next] {
            follow_up.activity.opportunity_id = Some(deal.id);
            follow_ups.push(follow_up);
        }
    }
    Ok(follow_ups)
}

/// A move in a deal's past: the stage it entered, when, and why it was lost (for the lost
/// stage).
type PastMove = (&'static str, DateTime<Utc>, Option<&'static str>);

/// When deal number `i` was opened, and the moves that took it from the first stage to the
/// stage at position `reached`, which it entered `entered` days before `now`; it spent the
/// stage's typical number of days, give or take three, in each stage before. Every move of
/// a deal happens at `hour`.
fn past_moves(
    i: i64,
    reached: usize,
    entered: i64,
    now: DateTime<Utc>,
    hour: u32,
) -> Result<(DateTime<Utc>, Vec<PastMove>)> {
    let mut days_ago = entered;
    let mut moves = Vec::new();
    for (j, pair) in PIPELINE[..=reached].windows(2).enumerate().rev() {
        let (before, stage) = (&pair[0], &pair[1]);
        moves.push((stage.key, day_at(now, -days_ago, hour)?, None));
        days_ago += before.typical_days + (i * 3 + j as i64 * 5) % 7 - 3;
    }
    moves.reverse();
    Ok((day_at(now, -days_ago, hour)?, moves))
}

/// A move replayed on a deal not yet stored: the checked step, when the deal had entered the
/// stage it left, and when it moved.
type AppliedMove = (StageMove, DateTime<Utc>, DateTime<Utc>);

/// Open `deal` in the first stage at `opened` and make `moves` as the engine does: each one
/// checked by the pipeline, then applied (which also wins or loses the deal). Returns each
/// applied move with when the deal had entered the stage it left, and when it moved.
fn replay(
    pipeline: &Pipeline,
    deal: &mut Opportunity,
    opened: DateTime<Utc>,
    moves: &[PastMove],
) -> Result<Vec<AppliedMove>> {
    deal.stage_entered_at = Some(opened);
    let mut applied = Vec::with_capacity(moves.len());
    for &(to, at, lost_reason) in moves {
        let evidence = MoveEvidence {
            lost_reason: lost_reason.map(Into::into),
            ..MoveEvidence::default()
        };
        let step = pipeline.check_move(deal, to, &evidence)?;
        let entered_from_at = deal.stage_entered_at.unwrap_or(opened);
        step.apply(deal, at)?;
        applied.push((step, entered_from_at, at));
    }
    Ok(applied)
}

/// The leads, and the last conversation with each one a salesperson is working on.
async fn load_leads(
    uow: &mut UnitOfWork<'_>,
    users: &BTreeMap<&str, UserId>,
    tags: &Tags,
    now: DateTime<Utc>,
) -> Result<Vec<FollowUp>> {
    let mut follow_ups = Vec::new();
    for (i, &row) in (1_i64..).zip(LEADS) {
        let (company, person, .., status, owner) = row;
        let touch = match status {
            Working => Some((Kind::Call, "电话沟通：了解需求与预算")),
            Qualified => Some((Kind::Visit, "上门拜访：确认预算与决策人")),
            _ => None,
        };
        let touched_at = day_at(now, -i, 10 + (i % 7) as u32)?;
        let mut lead = lead(row, tags).with_context(|| format!("lead {company}{person}"))?;
        lead.last_activity_at = touch.map(|_| touched_at);
        let owner = cell(owner).map(|o| lookup(users, "user", o).copied());
        let owner = owner.transpose()?;
        let lead = uow.create_owned(owner, lead).await?;

        if let Some((kind, subject)) = touch {
            let mut activity = Activity::new(kind, subject);
            activity.lead_id = Some(lead.id);
            activity.due_at = Some(touched_at);
            activity.done_at = Some(touched_at);
            follow_ups.push(FollowUp { owner, activity });
        }
    }
    Ok(follow_ups)
}

fn lead(
    (company, person, title, phone, email, region, industry, source, status, _): LeadRow,
    tags: &Tags,
) -> Result<Lead> {
    let mut lead = Lead::new();
    lead.company = cell(company).map(CompanyName::parse).transpose()?;
    lead.contact_name = cell(person).map(PersonName::parse).transpose()?;
    lead.title = cell(title).map(Into::into);
    file_phone(phone, &mut lead.mobile, &mut lead.phone)?;
    lead.email = cell(email).map(Email::parse).transpose()?;
    lead.region = cell(region).map(Region::parse).transpose()?;
    lead.industry = cell(industry).map(Into::into);
    lead.source = Some(source.into());
    if status != New {
        lead.transition(status)?;
    }
    if source == "展会" {
        lead.tags.insert(tags.trade_show);
    }
    if source == "老客户转介绍" {
        lead.tags.insert(tags.referral);
    }
    Ok(lead)
}

/// Store the follow-ups, then stamp each account with its latest one.
async fn log_follow_ups(uow: &mut UnitOfWork<'_>, follow_ups: Vec<FollowUp>) -> Result<()> {
    // Each logged activity moves its account's last and next follow-up dates: the engine
    // keeps them current.
    for FollowUp { owner, activity } in follow_ups {
        uow.create_owned(owner, activity).await?;
    }
    Ok(())
}

/// An activity with `customer`'s primary contact at `at`, owned by the account's owner:
/// logged if `done`, planned otherwise.
fn follow_up(
    customer: &Customer,
    kind: Kind,
    subject: &str,
    at: DateTime<Utc>,
    done: bool,
) -> FollowUp {
    let mut activity = Activity::new(kind, subject);
    activity.account_id = Some(customer.account.id);
    activity.contact_id = customer.contact;
    activity.due_at = Some(at);
    activity.done_at = done.then_some(at);
    FollowUp {
        owner: customer.account.meta.owner,
        activity,
    }
}

/// `hour` o'clock Beijing time, `days` after "now" (before it when negative).
fn day_at(now: DateTime<Utc>, days: i64, hour: u32) -> Result<DateTime<Utc>> {
    let day = now.with_timezone(&BEIJING) + Duration::days(days);
    let at = day
        .with_hour(hour)
        .with_context(|| format!("{hour} is not an hour of the day"))?;
    Ok(at.to_utc())
}

/// A phone filed where it belongs: a mobile in `mobile`, a landline or service number (with
/// its extension) in `office`.
fn file_phone(text: &str, mobile: &mut Option<Phone>, office: &mut Option<Phone>) -> Result<()> {
    if let Some(phone) = cell(text).map(Phone::parse).transpose()? {
        match phone.kind() {
            PhoneKind::Mobile => *mobile = Some(phone),
            _ => *office = Some(phone),
        }
    }
    Ok(())
}

/// A cell's text, or `None` when it is blank (unknown).
fn cell(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|t| !t.is_empty())
}

/// The row named `key` in one of the loader's indexes; a misspelt name is an error.
fn lookup<'a, V>(index: &'a BTreeMap<&str, V>, what: &str, key: &str) -> Result<&'a V> {
    index.get(key).with_context(|| unknown(what, key))
}

fn unknown(what: &str, key: &str) -> String {
    format!("the demo data names an unknown {what} 「{key}」")
}

"""Generate Qibu's demo data (a facility fair with employers, openings and seekers).

Usage::

    python seed_data/generate_demo.py [--shared PATH] [--out DIR] [--weights FILE]

Everything is drawn from one ``random.Random(20260626)``, so the output is the same on
every run; the past fair and its outcomes come from a second stream,
``random.Random(20251228)``, drawn after everything else, so adding them left the other
files as they were. The category mix of openings follows how often job titles occur in real
postings: when the shared data (PATH, default <repo>/../shared/data) is present the
weights are counted again from cn_job_title_frequency.csv and written to FILE
(default seed_data/category_weights.csv); without it FILE is read, so the demo files
come out byte for byte the same either way.

Employers are vetted (employers.csv ``status``): those at a fair are verified (a pledge
date is drawn for the few without one, from a third stream, ``random.Random(20260601)``,
drawn last); of the others, the ones without a fair-chance pledge and one more awaiting
its check are unverified, and two are suspended with a reason, so the review queue and
the suspension show in the demo.

Besides the fair being planned, the demo holds a past fair at the second facility and
what came of it (outcomes.csv: each participant's interests and how far each went, drawn
from a model of how people choose and get hired), so that evaluation and training have
recorded outcomes to work on.

Then `generate_demo_year.py` adds a year of the programme's year-round work (referrals,
job practice, training, start-up guidance, hand-overs and follow-ups) from its own stream.

All people, companies, facilities, phone numbers and codes are fictional. Lists are
joined with ';', booleans are 0/1 and an empty cell means unknown.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
from dataclasses import dataclass
from pathlib import Path

SEED = 20260626
SEED_DIR = Path(__file__).resolve().parent
DEFAULT_SHARED = SEED_DIR.parent.parent / "shared" / "data"
DEFAULT_OUT = SEED_DIR / "demo"
DEFAULT_WEIGHTS = SEED_DIR / "category_weights.csv"

# The demo world's "today": the fair is held on International Anti-Drug Day, 30 days on.
DEMO_TODAY = dt.date(2026, 5, 27)
FAIR_IN_DAYS = 30

EMPLOYER_COUNT = 61
MIN_OPENINGS = 420
MIN_HEADCOUNT = 1000
FAIR_EMPLOYER_COUNT = 40
# A past fair, five months before "today", at the second facility: its recorded outcomes
# give the matcher's evaluation and training something to work on.
OUTCOME_SEED = 20251228
PAST_FAIR_IN_DAYS = -150
PAST_FAIR_EMPLOYER_COUNT = 30
SEEKERS_PER_FACILITY = {"SH-QP": 300, "SH-JD": 110}
# Employer vetting: a stream of its own, drawn after everything else.
VETTING_SEED = 20260601
UNVERIFIED_WITH_PLEDGE_COUNT = 1
SUSPENSION_REASONS = (
    "求职者投诉：面试时要求先交500元押金，违反公平就业承诺",
    "违反公平就业承诺：以有戒毒经历为由拒绝录用推荐人员",
)
SECOND_SURVEY_COUNT = 40

# --- unified social credit code (GB 32100-2015) --------------------------------------

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organisation_check_char(first8):
    """Return the GB 11714 check character of an 8-character organisation code body."""
    total = sum(
        (int(char) if char.isdigit() else ord(char) - ord("A") + 10) * weight
        for char, weight in zip(first8, ORG_CODE_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_check_char(first17):
    """Return the GB 32100 check character (18th) of a unified social credit code."""
    total = sum(
        USCC_CHARSET.index(char) * pow(3, position, 31)
        for position, char in enumerate(first17)
    )
    return USCC_CHARSET[(31 - total % 31) % 31]


def make_uscc(rng, adcode):
    """Return a new valid code for a company registered with a Shanghai district."""
    if rng.random() < 0.75:
        # Companies registered since 2015 got organisation codes starting 'MA'.
        body = "MA1" + "".join(rng.choice(USCC_CHARSET) for _ in range(5))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    first17 = "91" + adcode + body + organisation_check_char(body)
    return first17 + uscc_check_char(first17)


# --- reference tables and weights ---------------------------------------------------


def read_table(path):
    """Read a UTF-8 CSV into a list of dicts."""
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_table(path, header, rows):
    """Write rows as a plain UTF-8 CSV with a header and '\\n' line ends."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def count_category_weights(shared, category_codes):
    """Sum real posting counts per category, labelling titles as category_training.csv does."""
    label_of = {
        row["text"]: row["category"] for row in read_table(SEED_DIR / "category_training.csv")
    }
    weights = dict.fromkeys(category_codes, 0)
    path = shared / "jobs" / "cn_job_title_frequency.csv"
    for row in read_table(path):
        code = label_of.get(row["job_name"].strip())
        if code:
            weights[code] += int(row["job_count"])
    return weights


def load_category_weights(shared, weights_path, category_codes):
    """Return the title-frequency weight of each category, counting afresh when possible."""
    if (shared / "jobs" / "cn_job_title_frequency.csv").is_file():
        weights = count_category_weights(shared, category_codes)
        weights_path.parent.mkdir(parents=True, exist_ok=True)
        write_table(weights_path, ("code", "weight"), weights.items())
        return weights
    return {row["code"]: int(row["weight"]) for row in read_table(weights_path)}


# --- what openings look like, per category ------------------------------------------

# Openings planned in employers' main categories (others come on top), the share of them in
# the categories the programme names first, and how that share is split.
MAIN_OPENINGS = 385
HEADLINE_SHARE = 0.45
HEADLINE_SHARES = {"sales": 0.25, "phone_service": 0.24, "workshop": 0.27, "logistics": 0.24}
MAX_OPENINGS_PER_EMPLOYER = 12
MIN_OPENINGS_PER_EMPLOYER = 3

# Monthly pay in Shanghai, 2026 (RMB): lowest minimum and highest maximum of an opening.
SALARY_RANGE = {
    "sales": (5000, 12000), "phone_service": (4500, 7000), "workshop": (5500, 7500),
    "logistics": (6000, 8500), "delivery": (7000, 12000), "driver": (7000, 10000),
    "forklift": (6500, 9000), "security": (4800, 6000), "cleaning": (3500, 4800),
    "kitchen": (5000, 8500), "waiter": (4500, 6500), "retail": (4500, 6500),
    "property": (4500, 7000), "construction": (7000, 11000), "decoration": (7000, 12000),
    "electrician": (7000, 10000), "welder": (7500, 11000), "auto_repair": (6000, 9500),
    "maintenance": (6500, 9500), "machine_operator": (6000, 9000), "quality": (5000, 7000),
    "food_processing": (5000, 6500), "packaging": (4800, 6200), "hairdresser": (5000, 10000),
    "care_worker": (5500, 7500), "domestic": (6000, 9000), "hotel": (4500, 6000),
    "gardener": (4500, 6000), "admin_clerk": (4500, 6500), "ecommerce": (5000, 8000),
}

HEADCOUNT_RANGE = {
    "sales": (2, 8), "phone_service": (2, 10), "workshop": (2, 15), "logistics": (2, 10),
    "delivery": (3, 15), "driver": (1, 4), "forklift": (1, 3), "security": (1, 6),
    "cleaning": (1, 6), "kitchen": (1, 4), "waiter": (2, 6), "retail": (2, 6),
    "property": (1, 3), "construction": (2, 8), "decoration": (1, 4), "electrician": (1, 2),
    "welder": (1, 4), "auto_repair": (1, 3), "maintenance": (1, 2), "machine_operator": (2, 6),
    "quality": (1, 3), "food_processing": (2, 8), "packaging": (2, 6), "hairdresser": (1, 3),
    "care_worker": (2, 6), "domestic": (2, 6), "hotel": (2, 5), "gardener": (2, 5),
    "admin_clerk": (1, 2), "ecommerce": (1, 3),
}

# Shift weights (day, night, rotating) and the chance an opening offers a bed.
SHIFT_WEIGHTS = {
    "workshop": (35, 10, 55), "logistics": (40, 20, 40), "phone_service": (60, 0, 40),
    "delivery": (50, 0, 50), "driver": (80, 10, 10), "forklift": (50, 10, 40),
    "security": (20, 10, 70), "kitchen": (70, 0, 30), "waiter": (60, 0, 40),
    "retail": (40, 0, 60), "property": (50, 0, 50), "hotel": (50, 10, 40),
    "care_worker": (40, 0, 60), "machine_operator": (40, 0, 60),
    "food_processing": (50, 10, 40), "packaging": (50, 10, 40), "quality": (60, 0, 40),
    "maintenance": (60, 0, 40),
}
ACCOMMODATION_CHANCE = {
    "workshop": 0.6, "logistics": 0.5, "food_processing": 0.5, "machine_operator": 0.4,
    "packaging": 0.5, "construction": 0.7, "security": 0.3, "kitchen": 0.4, "waiter": 0.3,
    "hotel": 0.5, "care_worker": 0.5, "delivery": 0.3, "driver": 0.2, "forklift": 0.4,
    "domestic": 0.6, "welder": 0.4, "decoration": 0.3,
}
EDUCATION_MIN = {
    "admin_clerk": (3, 3, 4), "ecommerce": (3, 3, 4), "phone_service": (2, 3, 3),
    "sales": (2, 2, 3), "quality": (2, 3, 3), "maintenance": (2, 3, 3),
    "electrician": (2, 2, 3), "machine_operator": (2, 2, 3), "property": (2, 3, 3),
}
SKILLED = {
    "electrician", "welder", "driver", "maintenance", "machine_operator", "auto_repair",
    "decoration", "hairdresser", "forklift",
}
REQUIRED_CERTIFICATES = {
    "forklift": ("forklift",), "electrician": ("electrician",), "welder": ("welder",),
    "security": ("security_guard",), "kitchen": ("health_cert",), "waiter": ("health_cert",),
    "food_processing": ("health_cert",), "hotel": ("health_cert",),
    "hairdresser": ("health_cert",),
}
# Certificates an employer may ask for although the law does not: category -> (cert, chance).
PREFERRED_CERTIFICATES = {
    "construction": ("work_at_height", 0.4), "care_worker": ("care_worker", 0.4),
    "kitchen": ("chef", 0.25), "hairdresser": ("hairdresser", 0.3),
}
CERTIFICATE_ORDER = (
    "forklift", "electrician", "welder", "driving_c1", "driving_b2", "driving_a2", "chef",
    "security_guard", "health_cert", "work_at_height", "care_worker", "hairdresser",
)
ENVIRONMENT_ORDER = ("nightlife", "bar", "pharmacy", "late_night", "precursor_chemicals")

TITLES = {
    "sales": ("销售代表", "电话销售", "门店销售", "渠道销售专员", "团购业务员", "网络销售"),
    "phone_service": ("电话客服", "售后客服专员", "呼叫中心话务员", "在线客服", "回访专员"),
    "workshop": ("普工", "操作工", "装配工", "流水线操作工", "组装工", "车间普工"),
    "logistics": ("仓库理货员", "分拣员", "装卸工", "仓库管理员", "拣货打包员", "物流操作员"),
    "delivery": ("快递员", "外卖骑手", "同城配送员", "快递派件员", "送水工"),
    "forklift": ("叉车司机", "叉车工"),
    "security": ("保安员", "门岗保安", "巡逻保安", "商场保安", "监控室值班员"),
    "cleaning": ("保洁员", "写字楼保洁", "商场保洁", "清洁工"),
    "kitchen": ("厨师", "配菜/打荷", "面点师", "厨房帮工", "洗碗工", "食堂厨师"),
    "waiter": ("服务员", "传菜员", "餐厅服务员", "迎宾"),
    "retail": ("营业员", "收银员", "导购员", "超市理货营业员", "店员"),
    "property": ("物业管理员", "物业客服", "停车管理员", "物业维修工"),
    "construction": ("建筑工人", "钢筋工", "木工(模板)", "泥瓦工", "混凝土工", "架子工"),
    "decoration": ("装修工", "油漆工", "瓦工", "木工", "水电安装工"),
    "electrician": ("电工", "维修电工", "低压电工"),
    "welder": ("焊工", "电焊工", "氩弧焊工", "二保焊工"),
    "auto_repair": ("汽车维修工", "汽修学徒", "汽车美容", "洗车工", "轮胎工"),
    "maintenance": ("设备维修工", "机修工", "设备保全工", "机电维修工"),
    "machine_operator": ("数控车床操作工", "CNC操机员", "冲压工", "车工", "注塑机操作工"),
    "quality": ("质检员", "QC检验员", "来料检验员", "成品检验员"),
    "food_processing": ("食品加工工", "面包生产工", "中央厨房加工员", "肉类分割工"),
    "packaging": ("包装工", "打包员", "包装操作工"),
    "hairdresser": ("发型师", "美发助理", "洗头工"),
    "care_worker": ("养老护理员", "护工", "护理员"),
    "domestic": ("家政服务员", "住家保姆", "钟点工"),
    "hotel": ("客房服务员", "酒店客房保洁", "布草房服务员"),
    "gardener": ("绿化工", "绿化养护工", "园林工人"),
    "admin_clerk": ("行政文员", "前台文员", "仓库文员", "资料员"),
    "ecommerce": ("电商运营助理", "网店运营", "直播助理", "网店推广专员"),
}
# A driver opening names the licence it needs.
DRIVER_TITLES = (
    ("商务司机", "driving_c1"), ("小型货车司机", "driving_c1"), ("厢式货车司机", "driving_b2"),
    ("重型货车司机", "driving_b2"), ("集卡司机", "driving_a2"), ("冷链货车司机", "driving_b2"),
)

TASKS = {
    "sales": "负责{product}的销售和客户开发，完成月度业绩目标",
    "phone_service": "通过电话接听客户咨询、处理售后问题并做好记录",
    "workshop": "在车间流水线从事{product}的装配、上下料和简单操作",
    "logistics": "负责仓库收货、上架、拣货、打包和出库，按单作业",
    "delivery": "负责片区内的快件或餐品配送，电动车由公司提供",
    "driver": "负责公司车辆的日常驾驶和货物运送，保持车辆整洁",
    "forklift": "驾驶叉车完成货物装卸、搬运和堆垛",
    "security": "负责门岗值守、巡逻和来访登记，维护秩序",
    "cleaning": "负责公共区域和办公区域的日常清洁",
    "kitchen": "负责切配、烹饪或厨房清洁，按标准出品",
    "waiter": "负责点菜、上菜、收台和接待顾客",
    "retail": "负责门店商品销售、收银和货架整理",
    "property": "负责小区或楼宇的日常巡查、报修登记和业主服务",
    "construction": "在工地从事钢筋、模板、砌筑等施工作业",
    "decoration": "负责住宅和店面的装修施工，按图纸完成",
    "electrician": "负责厂区或楼宇的电气线路维护和故障排查",
    "welder": "按图纸完成钢结构件的焊接",
    "auto_repair": "负责车辆保养、维修和洗车美容",
    "maintenance": "负责生产设备的日常保养、点检和故障维修",
    "machine_operator": "操作数控车床、冲床等设备加工零件，首件自检",
    "quality": "按检验标准对来料、半成品和成品进行检验并记录",
    "food_processing": "在食品车间从事{product}的加工、分装，严格执行卫生规范",
    "packaging": "负责产品的包装、封箱、贴标和码放",
    "hairdresser": "为顾客提供洗、剪、吹、染等美发服务",
    "care_worker": "照料老人的饮食起居，协助护理和康复活动",
    "domestic": "负责雇主家庭的做饭、打扫和日常照料",
    "hotel": "负责酒店客房的清扫、整理和布草更换",
    "gardener": "负责园区和道路绿化的浇水、修剪和养护",
    "admin_clerk": "负责文件整理、资料录入、来访接待等行政事务",
    "ecommerce": "协助店铺上架商品、处理订单和做好活动推广",
}
SHIFT_PHRASES = {"day": "长白班", "night": "夜班", "rotating": "两班倒"}


@dataclass(frozen=True)
class Profile:
    """An employer type: industry, name words, categories it hires (weighted), products.

    ``envs`` are the environment tags every opening of such an employer carries.
    """

    industry: str
    name_words: tuple[str, ...]
    categories: dict[str, int]
    products: tuple[str, ...] = ("产品",)
    envs: tuple[str, ...] = ()


# Employer types by their main category; the n-th employer of a category takes the
# n-th type (cyclically), so the rarer, special types (a KTV, a pharmacy chain, a
# chemical plant) come second and appear once the category has two employers.
PROFILES = {
    "sales": (
        Profile("房地产经纪", ("房地产经纪", "置业"), {"sales": 5, "phone_service": 1,
                "admin_clerk": 1}, ("二手房", "新房")),
        Profile("汽车销售服务", ("汽车销售服务",), {"sales": 4, "auto_repair": 2},
                ("新能源汽车", "二手车")),
        Profile("建材家居", ("建材", "家居用品"), {"sales": 4, "logistics": 1, "driver": 1},
                ("瓷砖卫浴", "定制家具")),
        Profile("通信增值服务", ("通信技术", "信息技术"), {"sales": 4, "phone_service": 3},
                ("宽带套餐", "企业通信")),
    ),
    "phone_service": (
        Profile("客户服务外包", ("客户服务", "信息服务", "商务咨询"),
                {"phone_service": 5, "sales": 2, "admin_clerk": 1}, ("家电售后", "会员服务")),
        Profile("电子商务", ("电子商务", "网络科技"),
                {"phone_service": 4, "ecommerce": 2, "packaging": 1}, ("网店",)),
    ),
    "workshop": (
        Profile("电子制造", ("电子科技", "电子"), {"workshop": 5, "quality": 1, "packaging": 1},
                ("手机配件", "电路板", "智能门锁")),
        Profile("化工", ("化工", "新材料"), {"workshop": 4, "quality": 1, "maintenance": 1},
                ("涂料", "化工原料", "清洗剂"), ("precursor_chemicals",)),
        Profile("汽车零部件制造", ("汽车零部件", "汽配"),
                {"workshop": 4, "machine_operator": 2, "welder": 1}, ("汽车座椅", "汽车线束")),
        Profile("家用电器制造", ("电器",), {"workshop": 5, "quality": 1, "forklift": 1},
                ("小家电", "空气净化器")),
        Profile("五金制品", ("五金制品", "金属制品"),
                {"workshop": 4, "machine_operator": 1, "packaging": 1}, ("五金件", "门窗配件")),
    ),
    "logistics": (
        Profile("物流仓储", ("物流", "供应链管理", "仓储服务"),
                {"logistics": 5, "forklift": 2, "driver": 1}, ("电商包裹",)),
        Profile("冷链物流", ("冷链物流",), {"logistics": 4, "driver": 2, "forklift": 1},
                ("冷冻食品",)),
        Profile("第三方物流", ("国际物流", "物流"), {"logistics": 5, "packaging": 1,
                "admin_clerk": 1}, ("跨境电商货物",)),
    ),
    "delivery": (
        Profile("快递服务", ("快递服务", "速递"), {"delivery": 5, "logistics": 2}),
        Profile("同城配送", ("同城配送", "网络科技"), {"delivery": 6}),
    ),
    "driver": (
        Profile("道路货运", ("运输", "货运"), {"driver": 4, "logistics": 1, "forklift": 1}),
        Profile("汽车租赁", ("汽车租赁",), {"driver": 4, "auto_repair": 1}),
    ),
    "forklift": (
        Profile("装卸搬运", ("装卸服务", "仓储"), {"forklift": 3, "logistics": 3}),
    ),
    "security": (
        Profile("保安服务", ("保安服务",), {"security": 6, "property": 1}),
    ),
    "cleaning": (
        Profile("保洁服务", ("保洁服务", "环境服务"), {"cleaning": 5, "gardener": 1}),
    ),
    "kitchen": (
        Profile("餐饮", ("餐饮管理", "餐饮"), {"kitchen": 4, "waiter": 3},
                ("本帮菜", "快餐")),
    ),
    "waiter": (
        Profile("餐饮", ("餐饮管理", "餐饮"), {"waiter": 4, "kitchen": 2}, ("火锅", "本帮菜")),
        Profile("娱乐休闲", ("文化娱乐", "娱乐"), {"waiter": 4, "security": 1},
                ("KTV", "酒吧"), ("nightlife", "bar", "late_night")),
    ),
    "retail": (
        Profile("连锁零售", ("商业连锁", "便利店"), {"retail": 5, "logistics": 1},
                ("日用百货", "生鲜")),
        Profile("医药零售", ("大药房", "医药连锁"), {"retail": 4, "logistics": 1},
                ("药品", "保健品"), ("pharmacy",)),
        Profile("超市", ("超市", "商贸"), {"retail": 5, "food_processing": 1, "packaging": 1},
                ("生鲜", "熟食")),
    ),
    "property": (
        Profile("物业管理", ("物业管理", "物业服务"),
                {"property": 3, "security": 2, "cleaning": 2, "electrician": 1, "gardener": 1}),
    ),
    "construction": (
        Profile("建筑工程", ("建筑工程", "建设工程"),
                {"construction": 4, "electrician": 1, "welder": 1}),
    ),
    "decoration": (
        Profile("装饰工程", ("装饰工程", "建筑装饰"), {"decoration": 5, "electrician": 1}),
    ),
    "electrician": (
        Profile("机电安装", ("机电安装工程", "机电设备"),
                {"electrician": 3, "maintenance": 2, "welder": 1}),
    ),
    "welder": (
        Profile("钢结构", ("钢结构工程", "金属结构"),
                {"welder": 4, "machine_operator": 1, "workshop": 1}, ("钢结构件",)),
    ),
    "auto_repair": (
        Profile("汽车维修", ("汽车维修服务", "汽车服务"), {"auto_repair": 5, "sales": 1},
                ("汽车保养套餐",)),
    ),
    "maintenance": (
        Profile("设备维保", ("设备维修", "机电科技"), {"maintenance": 4, "electrician": 2}),
    ),
    "machine_operator": (
        Profile("机械加工", ("精密机械", "机械制造"),
                {"machine_operator": 4, "workshop": 2, "quality": 1}, ("精密零件",)),
    ),
    "quality": (
        Profile("精密制造", ("精密制造", "精工"), {"quality": 3, "workshop": 3, "packaging": 1},
                ("医疗器械配件",)),
    ),
    "food_processing": (
        Profile("食品加工", ("食品", "食品科技"),
                {"food_processing": 5, "packaging": 2, "logistics": 1}, ("糕点", "速冻食品")),
    ),
    "packaging": (
        Profile("包装制品", ("包装材料", "包装制品"),
                {"packaging": 4, "workshop": 2, "forklift": 1}, ("纸箱", "塑料包装")),
    ),
    "hairdresser": (
        Profile("美发", ("美发", "美容美发"), {"hairdresser": 5}),
    ),
    "care_worker": (
        Profile("养老服务", ("养老服务", "护理院"),
                {"care_worker": 5, "cleaning": 1, "kitchen": 1}),
    ),
    "domestic": (
        Profile("家政服务", ("家政服务",), {"domestic": 5, "care_worker": 2, "cleaning": 2}),
    ),
    "hotel": (
        Profile("酒店", ("酒店管理", "酒店"), {"hotel": 4, "waiter": 2, "kitchen": 1}),
    ),
    "gardener": (
        Profile("园林绿化", ("园林绿化工程", "绿化养护"), {"gardener": 5, "cleaning": 1}),
    ),
    "admin_clerk": (
        Profile("人力资源服务", ("人力资源", "企业管理咨询"),
                {"admin_clerk": 3, "phone_service": 2, "sales": 1}),
    ),
    "ecommerce": (
        Profile("电子商务", ("电子商务", "网络科技"),
                {"ecommerce": 4, "phone_service": 2, "packaging": 2}, ("服装网店", "零食网店")),
    ),
}
# Factories and warehouses sit in the outer districts; services anywhere people live.
INDUSTRIAL_CATEGORIES = {
    "workshop", "logistics", "forklift", "machine_operator", "quality", "food_processing",
    "packaging", "welder", "construction", "driver",
}

# --- places, names ------------------------------------------------------------------

# Resident population in 10,000s (7th census, 2020), used to weight where people live.
DISTRICT_POPULATION = {
    "310101": 66, "310104": 111, "310105": 69, "310106": 98, "310107": 124, "310109": 76,
    "310110": 124, "310112": 265, "310113": 224, "310114": 183, "310115": 568,
    "310116": 82, "310117": 191, "310118": 127, "310120": 114, "310151": 64,
}
OUTER_DISTRICTS = ("310112", "310113", "310114", "310115", "310116", "310117", "310118",
                   "310120")
ROADS = {
    "310101": ("西藏南路", "复兴东路", "河南南路"),
    "310104": ("宜山路", "漕宝路", "龙华中路"),
    "310105": ("天山路", "仙霞路", "金钟路"),
    "310106": ("共和新路", "万荣路", "灵石路"),
    "310107": ("真北路", "武威路", "金沙江路"),
    "310109": ("广纪路", "四平路", "大连西路"),
    "310110": ("军工路", "国权北路", "长阳路"),
    "310112": ("春东路", "颛兴路", "元江路", "都会路"),
    "310113": ("富联路", "锦秋路", "蕴川路", "月罗公路"),
    "310114": ("叶城路", "兴贤路", "嘉松北路", "曹安公路"),
    "310115": ("川沙路", "金海路", "康桥东路", "航都路"),
    "310116": ("龙胜路", "亭卫公路", "金山大道"),
    "310117": ("新飞路", "泗砖公路", "松胜路", "九新公路"),
    "310118": ("崧泽大道", "新丹路", "赵重公路", "华新路"),
    "310120": ("金海公路", "环城北路", "沪杭公路"),
    "310151": ("北沿公路", "三双公路", "城桥镇八一路"),
}
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方邹孟熊秦邱江薛顾毛龚邵钱严戴施倪"
)
MALE_GIVEN = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林阳晨峰建国文志海东亮骏晖"
FEMALE_GIVEN = "芳娜敏静丽艳娟霞燕玲婷雪慧琳莉倩洁红梅兰萍颖蕾佳晶怡欣"
TRADE_NAMES = (
    "恒通", "锦程", "华迅", "佳禾", "申达", "沪远", "润丰", "鑫源", "安捷", "瑞泰", "宏展", "东昊",
    "嘉旭", "盛联", "新越", "德铭", "永骏", "金晟", "汇丰源", "诚邦", "昌茂", "众鑫", "天翊",
    "启航", "远帆", "睿祥", "协力", "联拓", "卓越", "百川", "凯纳", "融信", "益康", "泰和", "顺驰",
    "宝隆", "申瑞", "浦江源", "华润泽", "广禾", "信诺", "恒昌", "锐达", "高晟", "明辉", "兴业达",
    "瀚海", "中駿", "江南春", "云帆", "世通", "沪宁", "泓泰", "欣荣", "旭升", "宏源", "冠群",
    "鸿运", "金桥湾", "长风", "东方晓", "新纪", "汇通达", "伟业", "嘉誉", "联华盛", "佳运",
)
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

FACILITIES = (
    ("SH-QP", "上海市青溪强制隔离戒毒所", "Shanghai Qingxi Compulsory Isolation Rehabilitation "
     "Centre", "310118", "上海市青浦区溪云路88号"),
    ("SH-JD", "上海市嘉禾强制隔离戒毒所", "Shanghai Jiahe Compulsory Isolation Rehabilitation "
     "Centre", "310114", "上海市嘉定区禾丰路166号"),
)

# --- what seekers say in surveys ----------------------------------------------------

# The first job category seekers name: drawn so that demand and the openings differ
# (more want delivery and driving than are offered), as the demand-gap view must show.
DEMAND_MEN = {
    "sales": 6, "phone_service": 3, "workshop": 12, "logistics": 10, "delivery": 14,
    "driver": 9, "forklift": 4, "security": 5, "cleaning": 1, "kitchen": 5, "waiter": 2,
    "retail": 1, "property": 2, "construction": 4, "decoration": 4, "electrician": 4,
    "welder": 3, "auto_repair": 3, "maintenance": 2, "machine_operator": 2, "quality": 1,
    "food_processing": 1, "packaging": 1, "hairdresser": 1, "care_worker": 1, "domestic": 0,
    "hotel": 1, "gardener": 1, "admin_clerk": 1, "ecommerce": 2,
}
DEMAND_WOMEN = {
    "retail": 12, "cleaning": 10, "domestic": 9, "care_worker": 8, "waiter": 7,
    "phone_service": 10, "hotel": 7, "food_processing": 6, "packaging": 6, "kitchen": 5,
    "workshop": 6, "ecommerce": 5, "sales": 5, "admin_clerk": 4, "hairdresser": 3,
    "logistics": 3, "quality": 2, "delivery": 2,
}
SKILL_PHRASES = {
    "sales": ("做过销售，口才还可以", "卖过房子", "做过电话销售"),
    "phone_service": ("普通话标准", "做过电话客服", "会用电脑打字"),
    "workshop": ("在电子厂流水线干过", "做过装配工", "能吃苦，会看作业指导书"),
    "logistics": ("做过仓库管理", "在物流园做过分拣", "会用扫码枪"),
    "delivery": ("送过外卖", "做过快递员，熟悉片区"),
    "driver": ("开过货车", "熟悉上海路况"),
    "forklift": ("会开叉车", "开过三年叉车"),
    "security": ("当过保安", "身体好，能值夜班"),
    "cleaning": ("做过保洁",),
    "kitchen": ("在饭店后厨干过", "会做家常菜", "做过配菜打荷"),
    "waiter": ("做过餐厅服务员",),
    "retail": ("做过超市收银", "卖过手机"),
    "property": ("在小区物业干过",),
    "construction": ("在工地干过钢筋工", "会砌墙"),
    "decoration": ("会刷墙贴砖", "做过木工"),
    "electrician": ("会接线，懂低压电", "做过水电"),
    "welder": ("会电焊", "做过氩弧焊"),
    "auto_repair": ("会修车", "做过汽车美容"),
    "maintenance": ("会修设备", "做过机修"),
    "machine_operator": ("会开数控车床", "做过冲压工"),
    "quality": ("做过质检", "会用卡尺"),
    "food_processing": ("在食品厂干过",),
    "packaging": ("做过包装",),
    "hairdresser": ("做过美发学徒", "会剪头发"),
    "care_worker": ("照顾过家里老人",),
    "domestic": ("做过保姆", "会做饭打扫"),
    "hotel": ("做过酒店客房",),
    "gardener": ("做过绿化养护",),
    "admin_clerk": ("会用Word和Excel", "打字快"),
    "ecommerce": ("开过淘宝店", "会拍短视频"),
}
HEALTH_LIMITS = (
    "腰椎间盘突出，不宜搬重物", "高血压，不宜上夜班", "膝关节旧伤，不宜久站",
    "左手旧伤，不能做精细活", "视力较差", "恐高，不能高处作业",
)
# Certificates people may hold from earlier work: category -> (certificate, chance).
# Driving licences and security guard certificates are left out on purpose: a person
# released from compulsory isolation rehabilitation has neither (see ATTRIBUTION.md).
HELD_CERTIFICATES = {
    "forklift": ("forklift", 0.6), "electrician": ("electrician", 0.6),
    "welder": ("welder", 0.6), "kitchen": ("chef", 0.3), "hairdresser": ("hairdresser", 0.3),
    "care_worker": ("care_worker", 0.4), "construction": ("work_at_height", 0.3),
}
TRAINING_CHOICES = (
    "forklift", "electrician", "welder", "kitchen", "hairdresser", "ecommerce", "care_worker",
    "auto_repair", "machine_operator", "decoration", "phone_service",
)


# --- small drawing helpers -----------------------------------------------------------


def weighted_choice(rng, weights):
    """Draw one key of a {key: weight} dict."""
    keys = list(weights)
    return rng.choices(keys, weights=[weights[key] for key in keys])[0]


def weighted_sample(rng, weights, count):
    """Draw up to count distinct keys of a {key: weight} dict, heavier keys first more often."""
    pool = {key: weight for key, weight in weights.items() if weight > 0}
    chosen = []
    while pool and len(chosen) < count:
        key = weighted_choice(rng, pool)
        chosen.append(key)
        del pool[key]
    return chosen


def round_to(value, step):
    """Round a number to the nearest multiple of step."""
    return int(round(value / step) * step)


def person_name(rng, gender):
    """Return a fictional Chinese name."""
    given = MALE_GIVEN if gender == "M" else FEMALE_GIVEN
    length = 2 if rng.random() < 0.6 else 1
    return rng.choice(SURNAMES) + "".join(rng.choice(given) for _ in range(length))


def mobile_number(rng):
    """Return a fictional mainland mobile number."""
    return "1" + rng.choice("35789") + "".join(rng.choice("0123456789") for _ in range(9))


def largest_remainder(shares, total):
    """Split total into integers proportional to shares, by the largest remainder method."""
    exact = {key: share * total / sum(shares.values()) for key, share in shares.items()}
    counts = {key: int(value) for key, value in exact.items()}
    # sorted() is stable, so equal remainders keep the order of shares.
    by_remainder = sorted(exact, key=lambda key: counts[key] - exact[key])
    for key in by_remainder[: total - sum(counts.values())]:
        counts[key] += 1
    return counts


def plan_main_openings(weights):
    """Return how many openings each category gets as an employer's main category.

    The headline categories share HEADLINE_SHARE of MAIN_OPENINGS. The others share the
    rest by the square root of their title weights, so that a 300-to-1 spread in posting
    counts still leaves the trades on the list.
    """
    headline_total = round(MAIN_OPENINGS * HEADLINE_SHARE)
    targets = dict.fromkeys(weights, 0)
    targets.update(largest_remainder(HEADLINE_SHARES, headline_total))
    others = {
        code: weight**0.5 for code, weight in weights.items() if code not in HEADLINE_SHARES
    }
    targets.update(largest_remainder(others, MAIN_OPENINGS - headline_total))
    return targets


def plan_employers(targets):
    """Return (main category, main openings) for each employer, at least one per category.

    Employers beyond one per category go to the categories with the most openings, and a
    category's openings are split evenly among its employers.
    """
    spare = EMPLOYER_COUNT - len(targets)
    employers_per_category = {
        code: 1 + extra for code, extra in largest_remainder(targets, spare).items()
    }
    plan = []
    for code, count in employers_per_category.items():
        split = largest_remainder(dict.fromkeys(range(count), 1), targets[code])
        plan.extend((code, openings) for openings in split.values())
    return plan


# --- facilities, employers, openings ------------------------------------------------


def build_employers(rng, plan, districts):
    """Return the planned employers, each with a main category, profile and identity."""
    trade_names = list(TRADE_NAMES)
    rng.shuffle(trade_names)
    used_codes = set()
    employers_so_far = dict.fromkeys(PROFILES, 0)
    employers = []
    for category, main_openings in plan:
        profiles = PROFILES[category]
        profile = profiles[employers_so_far[category] % len(profiles)]
        employers_so_far[category] += 1
        if category in INDUSTRIAL_CATEGORIES:
            adcode = rng.choice(OUTER_DISTRICTS)
        else:
            adcode = weighted_choice(rng, DISTRICT_POPULATION)
        uscc = make_uscc(rng, adcode)
        while uscc in used_codes:
            uscc = make_uscc(rng, adcode)
        used_codes.add(uscc)
        address = f"上海市{districts[adcode]['name_zh']}{rng.choice(ROADS[adcode])}"
        address += f"{rng.randint(8, 2999)}号"
        if category in INDUSTRIAL_CATEGORIES and rng.random() < 0.5:
            address += f"{rng.randint(1, 12)}幢"
        pledge_date = ""
        if rng.random() < 0.75:
            pledge_date = (DEMO_TODAY - dt.timedelta(days=rng.randint(2, 140))).isoformat()
        employers.append({
            "uscc": uscc,
            "name": f"上海{trade_names.pop()}{rng.choice(profile.name_words)}有限公司",
            "industry": profile.industry,
            "district": adcode,
            "address": address,
            "contact_person": person_name(rng, "F" if rng.random() < 0.6 else "M"),
            "contact_phone": mobile_number(rng),
            "pledge_date": pledge_date,
            "contact_shareable": int(rng.random() < 0.7),
            "primary": category,
            "main_openings": main_openings,
            "profile": profile,
        })
    rng.shuffle(employers)
    return employers


def salary_offer(rng, category):
    """Return (salary_min, salary_max, salary_text) of an opening; about 5% are 面议."""
    if rng.random() < 0.05:
        return "", "", "面议"
    low, high = SALARY_RANGE[category]
    step = 500 if high - low >= 2500 else 100
    salary_min = round_to(rng.uniform(low, low + 0.4 * (high - low)), step)
    salary_max = round_to(rng.uniform(max(salary_min + 1000, low + 0.6 * (high - low)), high), step)
    salary_max = max(salary_max, salary_min + step)
    style = rng.random()
    if category in ("sales", "phone_service") and style < 0.3:
        text = rng.choice((f"{salary_min}-{salary_max}元/月+提成",
                           f"综合月薪{salary_min}-{salary_max}元"))
    elif style < 0.6:
        if salary_max < 10000:
            text = f"{salary_min / 1000:g}-{salary_max / 1000:g}千/月"
        else:
            text = f"{salary_min / 10000:g}-{salary_max / 10000:g}万/月"
    else:
        text = f"{salary_min}-{salary_max}元/月"
    return salary_min, salary_max, text


def opening_title(rng, category, used):
    """Return a title and (for drivers) the licence it needs, varying titles within a firm."""
    if category == "driver":
        title, licence = rng.choice(DRIVER_TITLES)
        return title, (licence,)
    titles = [title for title in TITLES[category] if title not in used] or list(TITLES[category])
    return rng.choice(titles), ()


def opening_description(rng, category, profile, shift, accommodation):
    """Return one or two Chinese sentences describing an opening."""
    task = TASKS[category].format(product=rng.choice(profile.products))
    conditions = [SHIFT_PHRASES[shift]]
    if accommodation:
        conditions.append(rng.choice(("提供员工宿舍", "包住宿", "免费住宿，有食堂")))
    else:
        conditions.append(rng.choice(("有工作餐", "缴纳五险一金", "有餐补和交通补贴")))
    if category not in SKILLED and rng.random() < 0.5:
        conditions.append(rng.choice(("零基础可带教", "岗前培训", "欢迎新手")))
    return f"{task}。{'，'.join(conditions)}。"


def opening_environments(rng, category, profile, shift):
    """Return the environment tags of an opening from its employer's trade and its hours."""
    tags = set(profile.envs)
    if shift == "night":
        tags.add("late_night")
    if category in ("waiter", "retail", "hotel") and shift == "rotating" and rng.random() < 0.15:
        tags.add("late_night")
    return ";".join(tag for tag in ENVIRONMENT_ORDER if tag in tags)


def build_openings(rng, employers, districts):
    """Return the openings of all employers, 3 to 12 each, mostly in their main category."""
    openings = []
    for employer in employers:
        profile = employer["profile"]
        primary = employer["primary"]
        related = {code: w for code, w in profile.categories.items() if code != primary}
        plan = [primary] * employer["main_openings"]
        for code in weighted_sample(rng, related, rng.choice((0, 1, 1, 2))):
            plan.extend([code] * rng.randint(1, 2))
        plan = plan[:MAX_OPENINGS_PER_EMPLOYER]
        plan += [primary] * (MIN_OPENINGS_PER_EMPLOYER - len(plan))
        rng.shuffle(plan)
        used_titles = set()
        for category in plan:
            title, licences = opening_title(rng, category, used_titles)
            used_titles.add(title)
            shift = rng.choices(("day", "night", "rotating"),
                                weights=SHIFT_WEIGHTS.get(category, (100, 0, 0)))[0]
            accommodation = int(rng.random() < ACCOMMODATION_CHANCE.get(category, 0.1))
            salary_min, salary_max, salary_text = salary_offer(rng, category)
            district = employer["district"]
            neighbours = districts[district]["neighbours"]
            if neighbours and rng.random() < 0.15:
                district = rng.choice(neighbours.split(";"))
            certificates = set(REQUIRED_CERTIFICATES.get(category, ())) | set(licences)
            if category in PREFERRED_CERTIFICATES:
                certificate, chance = PREFERRED_CERTIFICATES[category]
                if rng.random() < chance:
                    certificates.add(certificate)
            low, high = HEADCOUNT_RANGE[category]
            openings.append({
                "employer_uscc": employer["uscc"],
                "title": title,
                "description": opening_description(rng, category, profile, shift, accommodation),
                "category": category,
                "salary_min": salary_min,
                "salary_max": salary_max,
                "salary_text": salary_text,
                "district": district,
                "accommodation": accommodation,
                "shift": shift,
                "education_min": rng.choice(EDUCATION_MIN.get(category, (0, 1, 2, 2))),
                "experience_min": rng.choice((1, 1, 2, 3)) if category in SKILLED
                else rng.choice((0, 0, 0, 1)),
                "certificates_required": ";".join(
                    code for code in CERTIFICATE_ORDER if code in certificates
                ),
                "environments": opening_environments(rng, category, profile, shift),
                "headcount": round(rng.triangular(low, high, low + (high - low) / 3)),
                "posted_days_ago": rng.randint(0, 60),
            })
    for number, opening in enumerate(openings, start=1):
        opening["ref"] = f"DEMO-O-{number:04d}"
    return openings


# --- seekers and surveys ------------------------------------------------------------


def seeker_codes(rng, count):
    """Return count distinct pseudonymous codes, 'QB' and six random characters."""
    codes = []
    seen = set()
    while len(codes) < count:
        code = "QB" + "".join(rng.choice(CODE_ALPHABET) for _ in range(6))
        if code not in seen:
            seen.add(code)
            codes.append(code)
    return codes


def riasec_result(rng, profile):
    """Return a self-test result near a category's interest profile, six scores in 0-1."""
    scores = (
        min(1.0, max(0.0, 0.1 + 0.75 * (value - 1) / 6 + rng.gauss(0, 0.1)))
        for value in profile
    )
    return ";".join(f"{score:.2f}" for score in scores)


def related_categories():
    """Return, per category, the categories hired by the same kinds of employer."""
    related = {}
    for profiles in PROFILES.values():
        for profile in profiles:
            for code in profile.categories:
                related.setdefault(code, set()).update(profile.categories)
    return {code: sorted(others - {code}) for code, others in related.items()}


def choose_intentions(rng, gender, related):
    """Return one to three ranked job categories a seeker wants."""
    demand = DEMAND_MEN if gender == "M" else DEMAND_WOMEN
    first = weighted_choice(rng, demand)
    extra = rng.choices((0, 1, 2), weights=(30, 45, 25))[0]
    weights = {code: weight * (4 if code in related.get(first, ()) else 1)
               for code, weight in demand.items() if code != first}
    return [first, *weighted_sample(rng, weights, extra)]


def hoped_salary(rng, category):
    """Return (salary_min, salary_hoped) for a first-choice category; some hope far too high."""
    low, high = SALARY_RANGE[category]
    salary_min = round_to(rng.uniform(low - 1000, low + 500), 500)
    if rng.random() < 0.08:
        salary_hoped = round_to(rng.uniform(15000, 30000), 1000)
    else:
        salary_hoped = round_to(rng.uniform((low + high) / 2, high + 1000), 500)
    salary_min = max(3000, min(salary_min, salary_hoped))
    if rng.random() < 0.05:
        return "", salary_hoped
    return salary_min, salary_hoped


def work_history(rng, intentions, age, categories):
    """Return earlier work as [(category, years)], often including a wanted category."""
    if rng.random() < 0.15:
        return []
    count = rng.choices((1, 2, 3), weights=(50, 35, 15))[0]
    pool = list(dict.fromkeys([*intentions, *rng.sample(categories, 3)]))
    jobs = []
    for code in pool[:count]:
        years = rng.randint(1, max(1, min(10, (age - 17) // 2)))
        jobs.append((code, years))
    return jobs


def held_certificates(rng, history):
    """Return certificates a seeker holds given their earlier work."""
    held = set()
    for code, _ in history:
        if code in HELD_CERTIFICATES:
            certificate, chance = HELD_CERTIFICATES[code]
            if rng.random() < chance:
                held.add(certificate)
        if code in ("kitchen", "waiter", "food_processing", "hotel") and rng.random() < 0.3:
            held.add("health_cert")
    return [code for code in CERTIFICATE_ORDER if code in held]


def skills_text(rng, history, intentions):
    """Return a short Chinese note of what a seeker can do, or '' for none."""
    if rng.random() < 0.1:
        return ""
    sources = [code for code, _ in history] or intentions[:1]
    phrases = [rng.choice(SKILL_PHRASES[code]) for code in sources[:2]]
    return "，".join(dict.fromkeys(phrases))


def avoided_environments(rng):
    """Return environment tags a seeker wants to stay away from."""
    avoid = set()
    if rng.random() < 0.6:
        avoid.update(("nightlife", "bar"))
    if rng.random() < 0.25:
        avoid.add("pharmacy")
    if rng.random() < 0.15:
        avoid.add("late_night")
    if rng.random() < 0.2:
        avoid.add("precursor_chemicals")
    return ";".join(tag for tag in ENVIRONMENT_ORDER if tag in avoid)


def preferred_districts(rng, home, districts):
    """Return zero to three preferred districts near home ('' means anywhere)."""
    if rng.random() < 0.35:
        return ""
    neighbours = [code for code in districts[home]["neighbours"].split(";") if code]
    extra = min(len(neighbours), rng.choices((0, 1, 2), weights=(40, 35, 25))[0])
    return ";".join(sorted([home, *rng.sample(neighbours, extra)]))


def build_survey(rng, seeker, days_ago, related, districts, categories):
    """Return one job-intention survey for a seeker."""
    intentions = choose_intentions(rng, seeker["gender"], related)
    age = 2026 - seeker["birth_year"]
    history = work_history(rng, intentions, age, categories)
    salary_min, salary_hoped = hoped_salary(rng, intentions[0])
    home = seeker["home_district"]
    needs_bed = rng.random() < (0.12 if seeker["hukou_shanghai"] else 0.55)
    shifts = rng.choices(("day", "day;rotating", "day;night;rotating", "night;rotating",
                          "rotating"), weights=(50, 33, 10, 4, 3))[0]
    pattern = rng.choices(("full_time", "part_time", "flexible"), weights=(85, 5, 10))[0]
    if intentions[0] == "delivery" and rng.random() < 0.3:
        pattern = "flexible"
    health = rng.choice(HEALTH_LIMITS) if rng.random() < 0.07 else ""
    training = weighted_sample(rng, dict.fromkeys(TRAINING_CHOICES, 1),
                               rng.choices((0, 1, 2), weights=(45, 40, 15))[0])
    return {
        "seeker_code": seeker["code"],
        "surveyed_days_ago": days_ago,
        "categories": ";".join(intentions),
        "salary_min": salary_min,
        "salary_hoped": salary_hoped,
        "home_district": home,
        "districts": preferred_districts(rng, home, districts),
        "needs_accommodation": int(needs_bed),
        "shifts": shifts,
        "work_pattern": pattern,
        "education": seeker["education"],
        "work_history": ";".join(f"{code}:{years}" for code, years in history),
        "certificates": ";".join(held_certificates(rng, history)),
        "skills_text": skills_text(rng, history, intentions),
        "health_limits": health,
        "avoid": avoided_environments(rng),
        "training_interests": ";".join(training),
    }


BACKGROUND_KEYS = ("home_district", "education", "work_history", "certificates", "skills_text",
                   "health_limits")


def build_seekers_and_surveys(rng, districts, riasec_profiles):
    """Return seekers and their surveys (one each, a second older one for some)."""
    related = related_categories()
    categories = list(riasec_profiles)
    total = sum(SEEKERS_PER_FACILITY.values())
    codes = seeker_codes(rng, total)
    seekers, surveys = [], []
    code_iter = iter(codes)
    for facility, count in SEEKERS_PER_FACILITY.items():
        for _ in range(count):
            gender = "M" if rng.random() < 0.85 else "F"
            hukou = rng.random() < 0.6
            home_weights = {
                adcode: population * (1 if hukou or adcode not in OUTER_DISTRICTS else 1.6)
                for adcode, population in DISTRICT_POPULATION.items()
            }
            release = rng.randint(1, 180) if rng.random() < 0.9 else rng.randint(181, 400)
            share = rng.random() < 0.85
            seeker = {
                "code": next(code_iter),
                "facility": facility,
                "name": person_name(rng, gender),
                "gender": gender,
                "birth_year": round(rng.triangular(1970, 2004, 1987)),
                "education": rng.choices(range(7), weights=(2, 8, 42, 33, 11, 3.5, 0.5))[0],
                "hukou_shanghai": int(hukou),
                "release_in_days": release,
                "consent_share": int(share),
                "consent_contact": int(rng.random() < (0.9 if share else 0.25)),
                "home_district": weighted_choice(rng, home_weights),
            }
            survey = build_survey(rng, seeker, rng.randint(5, 60), related, districts,
                                  categories)
            first = survey["categories"].split(";")[0]
            took_test = rng.random() < 0.5
            seeker["riasec"] = riasec_result(rng, riasec_profiles[first]) if took_test else ""
            seekers.append(seeker)
            surveys.append(survey)
    resurveyed = set(rng.sample(range(total), SECOND_SURVEY_COUNT))
    all_surveys = []
    for index, latest in enumerate(surveys):
        all_surveys.append(latest)
        if index in resurveyed:
            earlier_days = rng.randint(latest["surveyed_days_ago"] + 10, 90)
            earlier = build_survey(rng, seekers[index], earlier_days, related, districts,
                                   categories)
            # What a person has done and can do does not change between two surveys.
            for key in BACKGROUND_KEYS:
                earlier[key] = latest[key]
            all_surveys.append(earlier)
    return seekers, all_surveys


# --- the fair -----------------------------------------------------------------------


def build_fair_booths(rng, employers, openings, fair_code, category_order,
                      count=FAIR_EMPLOYER_COUNT, wanted=()):
    """Invite count employers, favouring those with more openings, and seat them by trade.

    Openings in the ``wanted`` categories (what the facility's seekers asked for) count
    three times: the employment centre recruits for the surveyed demand.
    """
    opening_counts = {}
    for opening in openings:
        uscc = opening["employer_uscc"]
        bonus = 2 if opening["category"] in wanted else 0
        opening_counts[uscc] = opening_counts.get(uscc, 0) + 1 + bonus
    weights = {
        index: 1 + opening_counts[employer["uscc"]] for index, employer in enumerate(employers)
    }
    invited = [employers[i] for i in weighted_sample(rng, weights, count)]
    invited.sort(key=lambda employer: (category_order.index(employer["primary"]),
                                       employer["uscc"]))
    half = (count + 1) // 2
    return [
        (fair_code, employer["uscc"], f"{'AB'[i // half]}{i % half + 1:02d}")
        for i, employer in enumerate(invited)
    ]


# --- the past fair's outcomes -------------------------------------------------------

# How many openings a participant marks at the fair: one to four.
INTEREST_COUNT_WEIGHTS = {1: 30, 2: 35, 3: 22, 4: 13}
# Appeal of an opening by where its category stands in the survey (first choice strongest).
CATEGORY_APPEAL = (8.0, 4.0, 2.5)
OTHER_CATEGORY_APPEAL = 0.15
# How much each kind of fit counts towards getting an interview and an intent (sums to 1).
FIT_SHARES = {"category": 0.35, "pay": 0.2, "housing": 0.15, "district": 0.1, "shift": 0.1,
              "qualified": 0.1}
# Chance of an interview, and of an intent after one, as base + slope × fit (0-1), before
# a participant's own readiness shifts it.
INTERVIEW_CHANCE = (0.2, 0.55)
INTENT_CHANCE = (0.0, 0.5)
HIRE_CHANCE = 0.58
HIRE_DAYS = (7, 40, 15)  # low, high, mode: most start within three weeks


def surveyed_demand(seekers, surveys, facility):
    """Return the categories at least 5 of a facility's seekers named first.

    Only these reach the employment centre: the summary suppresses smaller counts.
    """
    people = {seeker["code"] for seeker in seekers if seeker["facility"] == facility}
    counts, seen = {}, set()
    for survey in surveys:
        code = survey["seeker_code"]
        if code in people and code not in seen:  # the latest survey comes first
            seen.add(code)
            first = survey["categories"].split(";")[0]
            counts[first] = counts.get(first, 0) + 1
    return {category for category, count in counts.items() if count >= 5}


def legal_requirements(certificates):
    """Return, per category, the certificates the law requires for its work."""
    required = {}
    for row in certificates:
        for category in row["legally_required_for"].split(";"):
            if category:
                required.setdefault(category, set()).add(row["code"])
    return required


def may_take(survey, opening, legal):
    """Whether a seeker may take an opening at all: no avoided place, no missing licence."""
    avoided = set(survey["avoid"].split(";")) - {""}
    if avoided & set(opening["environments"].split(";")):
        return False
    held = set(survey["certificates"].split(";")) - {""}
    needed = set(legal.get(opening["category"], ()))
    if opening["category"] == "driver":
        # Driving without the licence the opening names is illegal, too.
        needed |= set(opening["certificates_required"].split(";")) - {""}
    return needed <= held


def fit_of(survey, opening, districts):
    """Return {kind: 0-1} saying how well an opening fits what a seeker asked for."""
    wanted = survey["categories"].split(";")
    category = opening["category"]
    rank = wanted.index(category) if category in wanted else None
    floor, bottom, top = survey["salary_min"], opening["salary_min"], opening["salary_max"]
    if bottom == "":
        pay = 0.5
    elif floor == "" or bottom >= floor:
        pay = 1.0
    else:
        pay = 0.5 if top >= floor else 0.0
    housing = 0.0 if survey["needs_accommodation"] and not opening["accommodation"] else 1.0
    home = survey["home_district"]
    near = {home, *survey["districts"].split(";")} - {""}
    if opening["district"] in near:
        district = 1.0
    else:
        district = 0.6 if opening["district"] in districts[home]["neighbours"].split(";") else 0
    shifts = survey["shifts"].split(";")
    years = sum(float(part.split(":")[1]) for part in survey["work_history"].split(";")
                if part.startswith(category + ":"))
    qualified = (survey["education"] >= opening["education_min"]
                 and years >= opening["experience_min"])
    return {
        "category": {None: 0.0, 0: 1.0, 1: 0.7, 2: 0.5}[rank],
        "pay": pay,
        "housing": housing,
        "district": district,
        "shift": 1.0 if opening["shift"] in shifts else 0.0,
        "qualified": float(qualified),
    }


def appeal_of(fit, survey, opening):
    """Return the weight with which a seeker marks an opening among those at the fair."""
    wanted = survey["categories"].split(";")
    category = opening["category"]
    weight = (CATEGORY_APPEAL[wanted.index(category)] if category in wanted
              else OTHER_CATEGORY_APPEAL)
    weight *= {1.0: 2.0, 0.5: 0.8, 0.0: 0.3}[fit["pay"]]
    if survey["needs_accommodation"]:
        weight *= 2.5 if fit["housing"] else 0.4
    weight *= 0.7 + fit["district"]
    weight *= 1.5 if fit["shift"] else 0.2
    return weight * (1.0 if fit["qualified"] else 0.5)


def start_pay(rng, opening):
    """Return the monthly pay a hire starts on: in the lower half of the offered range."""
    low, high = opening["salary_min"], opening["salary_max"]
    if low == "":
        low, high = SALARY_RANGE[opening["category"]]
    return round_to(rng.uniform(low, (low + high) / 2), 100)


def build_outcomes(rng, fair, booths, seekers, surveys, openings, districts, certificates):
    """Return what came of a past fair, one row per interest, from a behavioural model.

    Every seeker of the fair's facility took part. Each marks one to four openings at the
    fair, drawn by how well they fit the survey (categories, pay, housing, district,
    shift, qualifications); openings in an avoided environment or needing a licence the
    seeker lacks are never chosen. Interviews and intents follow fit and the person's
    readiness; some intents become hires, each person at most one, never beyond an
    opening's headcount.
    """
    fair_code, facility = fair[0], fair[1]
    legal = legal_requirements(certificates)
    invited = {uscc for code, uscc, _ in booths if code == fair_code}
    offered = [opening for opening in openings if opening["employer_uscc"] in invited]
    latest = {}
    for survey in surveys:
        latest.setdefault(survey["seeker_code"], survey)
    by_ref = {opening["ref"]: opening for opening in offered}
    places = {opening["ref"]: opening["headcount"] for opening in offered}
    rows = []
    for seeker in seekers:
        if seeker["facility"] != facility:
            continue
        survey = latest[seeker["code"]]
        fits = {opening["ref"]: fit_of(survey, opening, districts)
                for opening in offered if may_take(survey, opening, legal)}
        appeal = {ref: appeal_of(fit, survey, by_ref[ref]) for ref, fit in fits.items()}
        count = weighted_choice(rng, INTEREST_COUNT_WEIGHTS)
        readiness = rng.gauss(0, 0.12)
        stages = {}
        for ref in weighted_sample(rng, appeal, count):
            fit = sum(FIT_SHARES[kind] * value for kind, value in fits[ref].items())
            stage = "interested"
            if rng.random() < INTERVIEW_CHANCE[0] + INTERVIEW_CHANCE[1] * fit + readiness:
                stage = "interviewed"
                if rng.random() < INTENT_CHANCE[0] + INTENT_CHANCE[1] * fit + readiness:
                    stage = "intent"
                elif rng.random() < 0.6:
                    stage = "declined"
            elif rng.random() < 0.2:
                stage = "declined"
            stages[ref] = stage
        intents = [ref for ref, stage in stages.items() if stage == "intent"]
        hired, hire_days = None, 0
        if intents and rng.random() < HIRE_CHANCE:
            # The person takes the best-paid intent that still has a place.
            for ref in sorted(intents, key=lambda r: (-(by_ref[r]["salary_min"] or 0), r)):
                if places[ref] > 0:
                    hired = ref
                    places[ref] -= 1
                    hire_days = round(rng.triangular(*HIRE_DAYS))
                    break
        for ref in sorted(stages):
            days, pay = 0, ""
            stage = stages[ref]
            if ref == hired:
                stage, days, pay = "hired", hire_days, start_pay(rng, by_ref[ref])
            elif hired and stage == "intent":
                stage, days = "declined", hire_days  # took the other job
            rows.append((fair_code, seeker["code"], ref, stage, days, pay))
    return rows


def check_outcomes(rows, openings):
    """Raise if the past fair misses the programme's figures: about half reach an intent."""
    people = {row[1] for row in rows}
    intent_people = {row[1] for row in rows if row[3] in ("intent", "hired")}
    hired_people = {row[1] for row in rows if row[3] == "hired"}
    rate = len(intent_people) / len(people)
    if not 0.44 <= rate <= 0.52:
        raise SystemExit(f"{rate:.0%} of participants reached an intent")
    if not 0.4 <= len(hired_people) / len(intent_people) <= 0.7:
        raise SystemExit(f"{len(hired_people)} hires of {len(intent_people)} with an intent")
    headcount = {opening["ref"]: opening["headcount"] for opening in openings}
    hires = {}
    for row in rows:
        if row[3] == "hired":
            hires[row[2]] = hires.get(row[2], 0) + 1
    if any(n > headcount[ref] for ref, n in hires.items()):
        raise SystemExit("more hires than places")


# --- output -------------------------------------------------------------------------

FACILITY_HEADER = ("code", "name_zh", "name_en", "district", "address")
EMPLOYER_HEADER = ("uscc", "name", "industry", "district", "address", "contact_person",
                   "contact_phone", "pledge_date", "contact_shareable", "status",
                   "pledge_signed_by", "suspension_reason")
OPENING_HEADER = ("ref", "employer_uscc", "title", "description", "category", "salary_min",
                  "salary_max", "salary_text", "district", "accommodation", "shift",
                  "education_min", "experience_min", "certificates_required", "environments",
                  "headcount", "posted_days_ago")
SEEKER_HEADER = ("code", "facility", "name", "gender", "birth_year", "education",
                 "hukou_shanghai", "release_in_days", "consent_share", "consent_contact",
                 "riasec")
SURVEY_HEADER = ("seeker_code", "surveyed_days_ago", "categories", "salary_min",
                 "salary_hoped", "home_district", "districts", "needs_accommodation", "shifts",
                 "work_pattern", "education", "work_history", "certificates", "skills_text",
                 "health_limits", "avoid", "training_interests")
FAIR_HEADER = ("code", "facility", "name_zh", "name_en", "in_days", "venue", "status")
BOOTH_HEADER = ("fair_code", "employer_uscc", "booth")
OUTCOME_HEADER = ("fair_code", "seeker_code", "opening_ref", "stage", "days_after_fair",
                  "start_pay")
FAIR = ("QP-2026-0626", "SH-QP", "2026年“起步”专场招聘会", "2026 Qibu Job Fair",
        FAIR_IN_DAYS, "青溪所教育楼一楼大礼堂", "planning")
PAST_FAIR = ("JD-2025-1228", "SH-JD", "2025年嘉禾所“起步”冬季专场招聘会",
             "2025 Jiahe Winter Job Fair", PAST_FAIR_IN_DAYS, "嘉禾所康复楼二楼多功能厅",
             "closed")


def vet_employers(rng, employers, booths):
    """Give each employer its vetting status, pledge signatory and suspension reason.

    Employers at a fair are verified (one without a pledge date signed it when invited:
    a date is drawn). Of the others, those without a pledge are unverified, waiting for
    it; of those with one, UNVERIFIED_WITH_PLEDGE_COUNT wait for their check and one per
    SUSPENSION_REASONS is suspended.
    """
    at_fairs = {uscc for _fair, uscc, _booth in booths}
    others = []
    for employer in employers:
        employer["suspension_reason"] = ""
        if employer["uscc"] in at_fairs:
            if not employer["pledge_date"]:
                days = rng.randint(2, 140)
                employer["pledge_date"] = (DEMO_TODAY - dt.timedelta(days=days)).isoformat()
            employer["status"] = "verified"
        elif not employer["pledge_date"]:
            employer["status"] = "unverified"
        else:
            others.append(employer)
    chosen = rng.sample(others, UNVERIFIED_WITH_PLEDGE_COUNT + len(SUSPENSION_REASONS))
    for employer in others:
        employer["status"] = "verified"
    for employer in chosen[:UNVERIFIED_WITH_PLEDGE_COUNT]:
        employer["status"] = "unverified"
    for employer, reason in zip(chosen[UNVERIFIED_WITH_PLEDGE_COUNT:], SUSPENSION_REASONS,
                                strict=True):
        employer["status"], employer["suspension_reason"] = "suspended", reason
    for employer in employers:
        employer["pledge_signed_by"] = employer["contact_person"] if employer["pledge_date"] \
            else ""


def check_totals(employers, openings, seekers):
    """Raise if the demo misses the programme's figures it is meant to show."""
    headcount = sum(opening["headcount"] for opening in openings)
    if len(employers) != EMPLOYER_COUNT or len(openings) < MIN_OPENINGS:
        raise SystemExit(f"{len(employers)} employers, {len(openings)} openings")
    if headcount < MIN_HEADCOUNT:
        raise SystemExit(f"headcount {headcount} < {MIN_HEADCOUNT}")
    counts = {}
    for opening in openings:
        counts[opening["category"]] = counts.get(opening["category"], 0) + 1
    top = sorted(counts, key=counts.get, reverse=True)[: len(HEADLINE_SHARES)]
    if set(top) != set(HEADLINE_SHARES):
        raise SystemExit(f"most frequent categories are {top}")
    if len(seekers) != sum(SEEKERS_PER_FACILITY.values()):
        raise SystemExit(f"{len(seekers)} seekers")


def generate(shared, out, weights_path):
    """Generate every demo table into out."""
    categories = read_table(SEED_DIR / "categories.csv")
    category_order = [row["code"] for row in categories]
    districts = {row["adcode"]: row for row in read_table(SEED_DIR / "districts.csv")}
    riasec_profiles = {
        row["code"]: [float(row[letter]) for letter in "RIASEC"]
        for row in read_table(SEED_DIR / "category_riasec.csv")
    }
    weights = load_category_weights(shared, weights_path, category_order)
    rng = random.Random(SEED)

    employers = build_employers(rng, plan_employers(plan_main_openings(weights)), districts)
    openings = build_openings(rng, employers, districts)
    seekers, surveys = build_seekers_and_surveys(rng, districts, riasec_profiles)
    booths = build_fair_booths(rng, employers, openings, FAIR[0], category_order)
    check_totals(employers, openings, seekers)

    history_rng = random.Random(OUTCOME_SEED)
    booths += build_fair_booths(history_rng, employers, openings, PAST_FAIR[0], category_order,
                                PAST_FAIR_EMPLOYER_COUNT,
                                surveyed_demand(seekers, surveys, PAST_FAIR[1]))
    outcomes = build_outcomes(history_rng, PAST_FAIR, booths, seekers, surveys, openings,
                              districts, read_table(SEED_DIR / "certificates.csv"))
    check_outcomes(outcomes, openings)
    vet_employers(random.Random(VETTING_SEED), employers, booths)

    out.mkdir(parents=True, exist_ok=True)
    write_table(out / "facilities.csv", FACILITY_HEADER, FACILITIES)
    write_table(out / "employers.csv", EMPLOYER_HEADER,
                [[employer[key] for key in EMPLOYER_HEADER] for employer in employers])
    write_table(out / "openings.csv", OPENING_HEADER,
                [[opening[key] for key in OPENING_HEADER] for opening in openings])
    write_table(out / "seekers.csv", SEEKER_HEADER,
                [[seeker[key] for key in SEEKER_HEADER] for seeker in seekers])
    write_table(out / "surveys.csv", SURVEY_HEADER,
                [[survey[key] for key in SURVEY_HEADER] for survey in surveys])
    write_table(out / "fairs.csv", FAIR_HEADER, [FAIR, PAST_FAIR])
    write_table(out / "fair_booths.csv", BOOTH_HEADER, booths)
    write_table(out / "outcomes.csv", OUTCOME_HEADER, outcomes)


def main(argv=None):
    """Parse the command line and generate the demo data."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help="folder holding the shared reference data (optional)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="folder to write the demo tables into")
    parser.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS,
                        help="category weights file, written when the shared data is present")
    args = parser.parse_args(argv)
    generate(args.shared, args.out, args.weights)
    # a year of the year-round mechanism, from a stream of its own (see that script)
    import generate_demo_year

    generate_demo_year.generate(args.out)


if __name__ == "__main__":
    sys.exit(main())

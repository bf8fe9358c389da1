"""Seeded synthetic seekers and openings shaped like a Shanghai rehabilitation job fair.

The distributions follow the demo fair: most seekers have junior-middle schooling, want
one to three of the fair's common categories (logistics, workshop, delivery, security,
sales, phone service …), a floor of 4,500–7,000 yuan a month; a third need housing; the
openings cluster in the outer districts, pay 4,000–10,000 and often offer a dormitory.
Only the taxonomy codes of ``seed_data/`` are used.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# category: (share of openings, share of seekers' choices, title words, skill phrases)
CATEGORY_TEXT: dict[str, tuple[float, float, tuple[str, ...], tuple[str, ...]]] = {
    "sales": (8, 5, ("销售代表", "门店销售", "电话销售"), ("沟通能力强", "有销售经验", "会谈客户")),
    "phone_service": (6, 3, ("电话客服", "在线客服", "售后客服"), ("普通话标准", "会打字", "耐心")),
    "workshop": (12, 9, ("普工", "车间操作工", "装配工"), ("流水线", "装配", "吃苦耐劳")),
    "logistics": (10, 10, ("仓库管理员", "理货员", "分拣员"), ("仓库管理", "分拣打包", "扫码入库")),
    "delivery": (8, 8, ("快递员", "外卖骑手", "配送员"), ("骑电动车", "熟悉路线", "送货")),
    "driver": (4, 6, ("货车司机", "商务司机", "班车驾驶员"), ("驾龄五年", "熟悉上海路况", "开车")),
    "forklift": (3, 4, ("叉车司机", "叉车工"), ("开叉车", "叉车证", "装卸货物")),
    "security": (6, 7, ("保安", "门卫", "巡逻保安"), ("站岗巡逻", "身体好", "监控室值班")),
    "cleaning": (4, 3, ("保洁员", "清洁工"), ("打扫卫生", "清洁", "勤快")),
    "kitchen": (4, 5, ("厨师", "帮厨", "面点师"), ("炒菜", "切配", "食堂")),
    "waiter": (3, 2, ("服务员", "传菜员"), ("端菜", "服务热情", "餐厅")),
    "retail": (3, 2, ("收银员", "理货员", "营业员"), ("收银", "超市", "摆货")),
    "property": (2, 2, ("物业管理员", "物业维修"), ("小区管理", "水电维修", "物业")),
    "construction": (3, 4, ("建筑工人", "钢筋工", "木工"), ("工地", "钢筋", "搬运")),
    "decoration": (2, 3, ("装修工", "油漆工", "瓦工"), ("刷墙", "贴砖", "装修")),
    "electrician": (2, 3, ("电工", "维修电工"), ("电工证", "接线", "配电")),
    "welder": (2, 2, ("焊工", "电焊工", "氩弧焊工"), ("电焊", "氩弧焊", "焊接")),
    "auto_repair": (2, 2, ("汽修工", "汽车美容"), ("修车", "保养", "换轮胎")),
    "maintenance": (2, 2, ("设备维修工", "机修工"), ("设备维修", "机修", "保养机器")),
    "machine_operator": (2, 2, ("数控操作工", "冲床工"), ("数控机床", "车床", "看图纸")),
    "quality": (2, 1, ("质检员", "品检员"), ("质量检验", "品检", "细心")),
    "food_processing": (2, 1, ("食品加工工", "包子师傅"), ("食品加工", "面点", "卫生")),
    "packaging": (3, 2, ("包装工", "打包员"), ("包装", "打包", "贴标签")),
    "hairdresser": (1, 1, ("美发师", "洗头工"), ("理发", "剪发", "烫染")),
    "care_worker": (2, 1, ("养老护理员", "护工"), ("照顾老人", "护理", "耐心细致")),
    "domestic": (1, 1, ("家政服务员", "保姆"), ("做饭打扫", "家政", "带小孩")),
    "hotel": (2, 1, ("客房服务员", "布草员"), ("整理客房", "酒店", "铺床")),
    "gardener": (1, 1, ("绿化工", "园林工"), ("修剪草木", "浇水", "绿化养护")),
    "admin_clerk": (1, 1, ("行政文员", "仓库文员"), ("会用电脑", "办公软件", "录入数据")),
    "ecommerce": (1, 1, ("电商运营助理", "直播助理"), ("网店运营", "拍照修图", "直播")),
}

GENERIC_DUTIES = (
    "工作认真负责", "服从安排", "按时上下班", "团队合作", "包吃包住", "五险一金",
    "月休四天", "有加班费", "新人有培训", "长期稳定", "年龄不限", "欢迎有经验者",
)

# Required certificates by category, as employers list them.
CERTIFICATES_BY_CATEGORY = {
    "forklift": ("forklift",),
    "electrician": ("electrician",),
    "welder": ("welder",),
    "security": ("security_guard",),
    "kitchen": ("health_cert",),
    "waiter": ("health_cert",),
    "food_processing": ("health_cert",),
    "hotel": ("health_cert",),
    "hairdresser": ("health_cert",),
}
# Where openings are: the outer districts host most factories and warehouses.
DISTRICT_WEIGHTS = {
    "310101": 2, "310104": 3, "310105": 2, "310106": 3, "310107": 3, "310109": 2,
    "310110": 3, "310112": 10, "310113": 8, "310114": 9, "310115": 14, "310116": 5,
    "310117": 10, "310118": 7, "310120": 7, "310151": 2,
}
SEEKER_CERTIFICATES = {
    "driving_c1": 0.20, "driving_b2": 0.05, "forklift": 0.05, "electrician": 0.03,
    "welder": 0.03, "health_cert": 0.15, "security_guard": 0.04, "chef": 0.02,
}
AVOID_CHOICES = (
    ((), 0.50), (("nightlife", "bar"), 0.30), (("pharmacy",), 0.08),
    (("late_night",), 0.07), (("precursor_chemicals",), 0.05),
)


def _weighted(rng: np.random.Generator, weights: dict, size: int) -> np.ndarray:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=size, p=p / p.sum())]


def make_openings(n: int, seed: int = 0) -> pd.DataFrame:
    """Return ``n`` synthetic openings with the contract columns."""
    rng = np.random.default_rng(seed)
    cats = _weighted(rng, {c: v[0] for c, v in CATEGORY_TEXT.items()}, n)
    salary_min = rng.integers(8, 17, size=n) * 500.0
    salary_max = salary_min + rng.integers(0, 7, size=n) * 500.0
    unknown = rng.random(n) < 0.1
    salary_min[unknown] = np.nan
    salary_max[unknown] = np.nan
    shifts = rng.choice(["day", "night", "rotating"], size=n, p=[0.7, 0.1, 0.2])
    titles, descriptions, certificates, environments = [], [], [], []
    for category, shift in zip(cats, shifts, strict=True):
        _, _, title_words, skills = CATEGORY_TEXT[category]
        titles.append(str(rng.choice(title_words)))
        duties = rng.choice(GENERIC_DUTIES, size=3, replace=False).tolist()
        descriptions.append("，".join(list(rng.choice(skills, size=2, replace=False)) + duties))
        required = list(CERTIFICATES_BY_CATEGORY.get(category, ()))
        if category == "driver":
            required.append(str(rng.choice(["driving_c1", "driving_b2", "driving_a2"],
                                           p=[0.6, 0.3, 0.1])))
        elif category in ("logistics", "delivery") and rng.random() < 0.15:
            required.append("driving_c1")
        elif category == "kitchen" and rng.random() < 0.3:
            required.append("chef")
        certificates.append(required)
        env = []
        if category == "waiter" and rng.random() < 0.2:
            env.append("bar")
        if category == "security" and rng.random() < 0.15:
            env.append("nightlife")
        if category == "sales" and rng.random() < 0.05:
            env.append("pharmacy")
        if category == "workshop" and rng.random() < 0.05:
            env.append("precursor_chemicals")
        if shift != "night" and category in ("kitchen", "waiter") and rng.random() < 0.1:
            env.append("late_night")
        environments.append(env)
    return pd.DataFrame({
        "opening_id": [f"O{i:06d}" for i in range(n)],
        "employer_id": [f"E{i:05d}" for i in rng.integers(0, max(1, n // 7), size=n)],
        "category": cats.astype(str),
        "title": titles,
        "description": descriptions,
        "pay_min": salary_min,
        "pay_max": salary_max,
        "pay_months": np.where(np.arange(n) % 5 == 0, 13, 12),
        "pay_period": "month",
        "district": _weighted(rng, DISTRICT_WEIGHTS, n).astype(str),
        "accommodation": rng.random(n) < 0.4,
        "shift": shifts,
        "education_min": rng.choice([0, 1, 2, 3, 4], size=n, p=[0.3, 0.1, 0.4, 0.15, 0.05]),
        "experience_min": rng.choice([0.0, 1.0, 2.0, 3.0], size=n, p=[0.6, 0.2, 0.15, 0.05]),
        "certificates_required": certificates,
        "headcount": np.minimum(rng.geometric(0.25, size=n), 30),
        "environments": environments,
    })


def make_seekers(n: int, seed: int = 1) -> pd.DataFrame:
    """Return ``n`` synthetic seekers with the contract columns."""
    rng = np.random.default_rng(seed)
    popularity = {c: v[1] for c, v in CATEGORY_TEXT.items()}
    codes = list(popularity)
    p = np.array([popularity[c] for c in codes], dtype=float)
    p /= p.sum()
    n_choices = rng.choice([0, 1, 2, 3], size=n, p=[0.12, 0.28, 0.35, 0.25])
    floor = rng.integers(9, 15, size=n) * 500.0
    floor[rng.random(n) < 0.1] = np.nan
    hoped = floor + rng.integers(2, 7, size=n) * 500.0
    districts = list(DISTRICT_WEIGHTS)
    homes = rng.choice(districts, size=n).astype(object)
    homes[rng.random(n) < 0.1] = None
    rows_categories, rows_districts, rows_shifts, rows_certs, rows_skills = [], [], [], [], []
    rows_riasec, rows_avoid = [], []
    shift_options = (["day"], ["day", "rotating"], ["day", "night", "rotating"], [])
    avoid_p = np.array([w for _, w in AVOID_CHOICES])
    for i in range(n):
        chosen = list(rng.choice(codes, size=n_choices[i], replace=False, p=p))
        rows_categories.append(chosen)
        if rng.random() < 0.4 and homes[i] is not None:
            extra = rng.choice(districts, size=rng.integers(0, 3), replace=False).tolist()
            rows_districts.append(sorted({homes[i], *extra}))
        else:
            rows_districts.append([])
        rows_shifts.append(shift_options[rng.choice(4, p=[0.4, 0.3, 0.2, 0.1])])
        rows_certs.append([c for c, share in SEEKER_CERTIFICATES.items() if rng.random() < share])
        phrases = [str(rng.choice(CATEGORY_TEXT[c][3])) for c in chosen]
        phrases.append(str(rng.choice(GENERIC_DUTIES)))
        rows_skills.append(" ".join(phrases))
        rows_riasec.append(list(np.round(rng.uniform(1, 5, size=6), 1))
                           if rng.random() < 0.5 else None)
        rows_avoid.append(list(AVOID_CHOICES[rng.choice(len(AVOID_CHOICES), p=avoid_p)][0]))
    return pd.DataFrame({
        "seeker_id": [f"S{i:06d}" for i in range(n)],
        "categories": rows_categories,
        "salary_min": floor,
        "salary_hoped": hoped,
        "home_district": homes,
        "districts": rows_districts,
        "needs_accommodation": rng.random(n) < 0.35,
        "shifts": rows_shifts,
        "education": rng.choice([1, 2, 3, 4, 5], size=n, p=[0.1, 0.45, 0.3, 0.1, 0.05]),
        "experience_years": np.round(rng.exponential(4.0, size=n) * 2) / 2,
        "certificates": rows_certs,
        "skills_text": rows_skills,
        "riasec": rows_riasec,
        "avoid": rows_avoid,
    })

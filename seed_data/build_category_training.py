"""Build the job-title classifier's training file and its held-out test set.

Usage::

    python seed_data/build_category_training.py [--shared PATH] [--out DIR] [--heldout FILE]

PATH defaults to <repo>/../shared/data, DIR to this folder (``category_training.csv``) and
FILE to ``tests/matching/data/category_heldout.csv``. ``build_reference.py`` writes the
same training file with the other reference tables; this script also writes the held-out
set. Neither is needed to run Qibu: both CSVs are committed.

Where the rows come from (ATTRIBUTION.md says the same for the shipped file):

1. **CSCO 2022**: the name, each alias and the definition of every occupation a category
   covers (``CATEGORY_CSCO`` in build_reference.py); a text CSCO files under two
   categories is dropped.
2. **The title-frequency list** (``jobs/cn_job_title_frequency.csv``, whose titles are the
   job boards' own function labels, e.g. '店员/营业员', '客服专员/助理'): titles labelled by
   ``TITLE_RULES`` in build_reference.py, managerial and professional titles left out. A
   listed title keeps that label whatever another source says (``generate_demo.py``
   counts the list's postings per category through this file). Titles of the list that
   these rules do not label never enter training: they are reserved for the held-out set.
3. **Hand-written titles** (``HAND_TITLES``): the platform-economy and service titles
   people leaving rehabilitation apply for, and their common variants.
4. **51job posting titles** (``jobs/51job_national_2021.csv``, job_name only — the file
   has no function-label column): weak labels from ``POSTING_RULES`` below. The titles are
   grouped into near-duplicate clusters (:func:`title_core`, :func:`near_duplicates`);
   each cluster goes wholly to training or to the held-out set, by a hash of the
   cluster's shortest core, about half each.

The held-out set: the 51job clusters drawn for it plus the frequency-list titles reserved
above, labelled by ``POSTING_RULES`` and then checked by hand (``HELDOUT_CORRECTIONS``
records every label changed or title removed on that check). A held-out title is dropped
when it, or a near-duplicate of it, is a training text. 51job postings are a test
fixture, not for redistribution, so held-out rows live under tests/ and the training file
takes only their titles (short strings), never a posting's other fields.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
import sys
import unicodedata
from pathlib import Path

import pandas as pd
from build_reference import (
    CATEGORIES,
    DEFAULT_SHARED,
    SEED_DIR,
    csco_training_texts,
    read_csco,
    read_job_titles,
    title_category,
)

DEFAULT_HELDOUT = SEED_DIR.parent / "tests" / "matching" / "data" / "category_heldout.csv"
TRAINING_HEADER = ("text", "category")
HELDOUT_HEADER = ("title", "category", "source", "basis")

# Titles as people leaving rehabilitation look for them and employers post them, written
# for Qibu. Platform riders and couriers are delivery; hotel PA (public-area attendants,
# who clean lobbies, corridors and washrooms) are cleaners, as CSCO files them.
HAND_TITLES = {
    "delivery": (
        "美团骑手", "美团外卖骑手", "美团众包骑手", "美团专送骑手", "外卖骑手", "外卖员",
        "外卖配送员", "外卖送餐员", "饿了么骑手", "饿了么蜂鸟骑手", "蜂鸟配送员", "骑手",
        "全职骑手", "兼职骑手", "众包骑手", "同城骑手", "跑腿骑手", "闪送员", "闪送骑士",
        "uu跑腿", "跑腿员", "快递派送员", "快递收派员", "快递员(顺丰)", "顺丰快递员",
        "京东快递员", "中通快递员", "圆通快递员", "韵达快递员", "快递小哥", "派件员",
        "送货员", "配送司机(电动车)", "生鲜配送员", "盒马配送员", "叮咚买菜配送员",
        "同城配送员",
    ),
    "driver": (
        "网约车司机", "滴滴司机", "滴滴快车司机", "出租车司机", "货车司机", "厢式货车司机",
        "轻卡司机", "重卡司机", "半挂车司机", "冷链货车司机", "货拉拉司机", "送货司机",
        "面包车司机", "班车司机", "大巴司机", "商务车司机", "搬家司机", "代驾司机",
        "驾驶员(C1)", "驾驶员(B2)", "A2司机",
    ),
    "forklift": (
        "叉车工", "叉车司机", "仓库叉车工", "电动叉车司机", "叉车操作员", "合力叉车司机",
        "叉车司机(N1证)", "堆高车司机", "前移式叉车司机",
    ),
    "security": (
        "保安", "保安员", "小区保安", "商场保安", "工厂保安", "酒店保安", "巡逻保安",
        "门岗保安", "监控员", "停车场管理员", "秩序维护员",
    ),
    "cleaning": (
        "保洁", "保洁员", "保洁阿姨", "清洁工", "商场保洁", "写字楼保洁", "医院保洁",
        "酒店PA", "PA保洁", "PA员", "公区保洁", "外墙清洗工", "开荒保洁", "地铁保洁",
    ),
    "waiter": (
        "服务员", "餐厅服务员", "饭店服务员", "火锅店服务员", "传菜员", "传菜生", "迎宾员",
        "点菜员", "餐饮服务员", "楼面服务员", "西餐厅服务员", "奶茶店员", "包厢服务员",
    ),
    "kitchen": (
        "洗碗工", "洗碗阿姨", "厨房洗碗工", "后厨帮工", "厨房杂工", "切配", "配菜员",
        "帮厨", "厨师", "炒锅厨师", "面点师", "打荷",
    ),
    "logistics": (
        "分拣员", "快递分拣员", "包裹分拣员", "理货员", "超市理货员", "仓库理货员",
        "拣货员", "仓管员", "仓库管理员", "装卸工", "搬运工", "仓库打包员", "物流专员",
        "仓库文员", "快递中转场操作员", "电商仓库拣货员",
    ),
    "workshop": (
        "普工", "操作工", "车间普工", "生产普工", "电子厂普工", "流水线工人", "组装工",
        "装配工", "生产操作工", "包装普工", "长白班普工", "临时工", "日结普工", "小时工",
    ),
    "phone_service": (
        "电话客服", "客服", "客服专员", "在线客服", "话务员", "呼叫中心客服", "电话回访员",
        "售后客服", "淘宝客服", "热线客服", "外呼客服", "客服代表",
    ),
    "ecommerce": (
        "主播助理", "直播助理", "直播场控", "中控场控", "带货主播助理", "直播运营助理",
        "短视频运营助理", "电商运营助理", "网店运营助理", "淘宝运营助理",
    ),
    "domestic": (
        "月嫂", "金牌月嫂", "育婴员", "育婴师", "住家保姆", "保姆", "家政服务员", "家政阿姨",
        "钟点工", "产后护理员", "做饭阿姨", "家政保洁",
    ),
    "electrician": (
        "水电工", "电工", "维修电工", "低压电工", "物业电工", "水电维修工", "高压电工",
        "电工(持证)", "工厂电工",
    ),
    "welder": (
        "电焊工", "焊工", "氩弧焊工", "二保焊工", "气保焊工", "电焊学徒", "焊接工",
        "点焊工",
    ),
    "hotel": ("客房服务员", "酒店客房服务员", "宾馆服务员", "做房员", "民宿保洁服务员"),
    "care_worker": ("养老护理员", "护工", "护理员", "养老院护工", "陪护"),
    "retail": ("收银员", "超市收银员", "营业员", "导购员", "店员", "便利店店员"),
}

# Weak labels for real posting titles, first matching rule wins. A title some other rule
# also matches is ambiguous ('客服+销售', '店员/服务员') and left out; so are managerial,
# professional, design, purchasing and trainee titles (POSTING_EXCLUDE), which no Qibu
# category covers. Each rule stands for the CSCO occupations of its category.
POSTING_RULES = (
    # 4-04-05-03 呼叫中心服务员: CSCO's aliases are online and phone customer service alike
    (r"客服|话务|呼叫中心|客户服务|售后专员|回访专员|客诉专员|客户关怀|退换货专员|接线员",
     "phone_service"),
    # 4-01-06 电子商务服务人员: shop operations on a named platform, live-stream assistants
    (r"(淘宝|天猫|京东|拼多多|亚马逊|amazon|ebay|shopee|虾皮|lazada|速卖通|阿里巴巴|阿里国际站"
     r"|1688|独立站|shopify|wish|跨境|电商|网店|沃尔玛|walmart|唯品|苏宁|乐天|敦煌|joom"
     r"|tophatter|雅虎).*(运营|推广|助理|专员|销售)|电子商务|电商专员|电商助理|主播助理|直播助理"
     r"|直播运营|(电商|网店|淘宝).*(运营|推广)", "ecommerce"),
    # 4-01-02-03 商品营业员 (whose aliases include car and luxury-goods sales), 4-01-02-04 收银员
    (r"营业员|收银|导购|店员|门店销售|汽车.*销售|奢侈品", "retail"),
    # 4-01-02-01 营销员
    (r"销售|业务员|业务代表|业务专员|客户代表|电销|网销|地推|推广员|商务代表|商务专员", "sales"),
    (r"普工|操作工|技术工|生产工|流水线|组装工|装配工", "workshop"),
    (r"文员|前台|行政助理|行政专员|录入|打字|资料员", "admin_clerk"),
    (r"仓管|仓库管理员|理货|分拣|打包员|拣货|装卸|搬运", "logistics"),
    (r"快递|骑手|外卖|送餐|配送员|送水", "delivery"),
    (r"司机|驾驶员", "driver"),
    (r"叉车", "forklift"),
    (r"保安|门卫", "security"),
    (r"保洁|清洁", "cleaning"),
    (r"服务员|传菜|迎宾", "waiter"),
    (r"厨师|洗碗|帮厨|面点", "kitchen"),
    (r"电工", "electrician"),
    (r"焊工|电焊", "welder"),
    (r"维修工|机修|钳工|保全工", "maintenance"),
    (r"车工|铣工|磨工|数控(操作|机床)|cnc操作|冲压|车床|机床", "machine_operator"),
    (r"质检|检验员", "quality"),
    (r"家政|保姆|月嫂|育婴|钟点工", "domestic"),
    (r"护理员|护工", "care_worker"),
)
POSTING_EXCLUDE = re.compile(
    r"经理|主管|总监|组长|店长|站长|负责人|总裁|总经理|副总|主任|督导|领班|专家|团长|董事"
    r"|工程师|设计|美工|修图|产品|开发|研发|策划|分析|培训|讲师|老师|教练|实习|储备|管培"
    r"|采购|采销|买手|选品|招商|代理|项目|顾问|投放|优化师|翻译|编辑|文案|摄影|建模|渠道"
    r"|市场|品牌|内容|社群|私域|用户|数据|审核|跟单|供应|合伙|储干|技术支持|支撑|交付"
    r"|crm|bd|ka|pm|高级|资深|精英|其他|列车|地铁|吊车|起重|切纸|检测|药|证券|投资|编程|财务"
    r"|会计|房产|租赁|酒店前台|销售支持|销售管理|销售运营|续期"
)

# Changes made when the held-out labels were checked by hand, title by title: a category
# that POSTING_RULES got wrong, or None for a title no Qibu category covers or that is too
# vague to label ('高薪急聘').
HELDOUT_CORRECTIONS = {
    "互联网/电子商务/网游": None,  # a board's industry heading, not a job
    "综合业务专员": None,  # a bank counter clerk: no Qibu category
    "综合业务专员/助理": None,
    "汽车售后服务/客户服务": None,  # a garage's service adviser, not a call centre
    "外贸业务员（亚马逊平台）": None,  # a trade rep or a platform shop operator: unclear
}

# Words recruiters wrap around a title; removed before titles are compared.
_TITLE_NOISE = re.compile(
    r"急聘|急招|诚聘|诚招|高薪|直招|招聘|聘请|包吃住|包食宿|包住宿|包吃|包住|周末双休|双休"
    r"|五险一金|六险一金|五险|社保|无责任底薪|无责底薪|底薪|提成|月薪|月入|均薪|保底|轻松"
    r"|无压力|不加班|大小周|长白班|可周结|带薪培训|接受无经验|无经验|可小白|专员|人员|岗位|岗"
)
_NOT_WORD = re.compile(r"[^a-z\u4e00-\u9fff]+")


def title_core(title):
    """Return a title stripped of recruiting noise, brackets, digits and punctuation."""
    text = unicodedata.normalize("NFKC", str(title)).lower()
    text = re.sub(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】", " ", text)
    text = _TITLE_NOISE.sub(" ", text)
    return _NOT_WORD.sub("", text)


def _bigrams(core):
    return {core[i:i + 2] for i in range(len(core) - 1)} or {core}


def near_duplicates(core_a, core_b, threshold=0.6):
    """Tell whether two title cores are the same title in other words.

    Equal cores, or character-bigram Jaccard similarity of at least ``threshold``
    ('电商客服' and '电商售后客服' are 0.5 apart and count as different titles).
    """
    if core_a == core_b:
        return True
    a, b = _bigrams(core_a), _bigrams(core_b)
    return len(a & b) / len(a | b) >= threshold


def posting_category(title):
    """Return the weak label of a real posting title, or None if excluded or ambiguous."""
    text = unicodedata.normalize("NFKC", title).lower()
    if POSTING_EXCLUDE.search(text):
        return None
    matched = {code for pattern, code in POSTING_RULES if re.search(pattern, text)}
    if len(matched) != 1:
        return None
    return matched.pop()


def read_posting_titles(shared):
    """Return the distinct job titles of the 51job postings, as written (trimmed)."""
    postings = pd.read_csv(
        shared / "jobs" / "51job_national_2021.csv", dtype=str, keep_default_na=False
    )
    return sorted({title.strip() for title in postings["job_name"] if title.strip()})


def _cluster_ids(titles):
    """Group titles into near-duplicate clusters; return a cluster key per title."""
    cores = [title_core(title) for title in titles]
    parent = list(range(len(titles)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(titles)):
        for j in range(i + 1, len(titles)):
            if cores[i] and cores[j] and near_duplicates(cores[i], cores[j]):
                parent[root(i)] = root(j)
    members = {}
    for i in range(len(titles)):
        members.setdefault(root(i), []).append(cores[i])
    return [min(members[root(i)], key=lambda core: (len(core), core)) for i in range(len(titles))]


def _held_out_cluster(key):
    return hashlib.sha256(key.encode("utf-8")).digest()[0] % 2 == 0


def build_training_rows(csco, frequency_titles, posting_titles=()):
    """Return training (text, category) rows and the titles reserved for the held-out set.

    Returns
    -------
    rows : list of (text, category), in taxonomy order
    reserved : dict
        Frequency-list titles the training rules leave unlabelled, and the 51job titles of
        the clusters drawn for the held-out set, each with its source.
    """
    rows = {}
    frequency_set = set(frequency_titles)
    for title in frequency_titles:
        code = title_category(title)
        if code:
            rows[title] = code
    csco_labels = {}
    for text, code in csco_training_texts(csco):
        csco_labels.setdefault(text, set()).add(code)
    for text, codes in csco_labels.items():
        # A text CSCO files under two categories teaches the classifier nothing.
        if text not in rows and len(codes) == 1:
            rows[text] = next(iter(codes))
    reserved = dict.fromkeys(frequency_set - set(rows), "title_frequency")

    for code, titles in HAND_TITLES.items():
        for title in titles:
            if title in frequency_set and rows.get(title) != code:
                raise SystemExit(
                    f"hand-written title {title!r} is on the frequency list, labelled "
                    f"{rows.get(title)!r} there; change one of them"
                )
            rows.setdefault(title, code)

    posting_list = [title for title in posting_titles if title not in rows]
    for title, key in zip(posting_list, _cluster_ids(posting_list), strict=True):
        if title in reserved:
            continue
        if _held_out_cluster(key):
            reserved[title] = "51job"
            continue
        code = posting_category(title)
        if code:
            rows.setdefault(title, code)

    order = {code: index for index, (code, _, _) in enumerate(CATEGORIES)}
    ordered = sorted(rows.items(), key=lambda item: (order[item[1]], item[0]))
    return ordered, reserved


def build_heldout_rows(training_rows, reserved):
    """Return held-out (title, category, source, basis) rows, none near a training text."""
    training_cores = {
        title_core(text) for text, _ in training_rows if len(text) <= 30
    }
    training_cores.discard("")
    by_length = sorted(training_cores)
    heldout, seen = [], set()
    for title in sorted(reserved):
        core = title_core(title)
        if not core or core in seen:
            continue
        if title in HELDOUT_CORRECTIONS:
            code, basis = HELDOUT_CORRECTIONS[title], "checked by hand"
        else:
            code, basis = posting_category(title), "rule"
        if code is None:
            continue
        if any(near_duplicates(core, other) for other in by_length):
            continue
        seen.add(core)
        heldout.append((title, code, reserved[title], basis))
    return heldout


def write_table(path, header, rows):
    """Write rows as a plain UTF-8 CSV with a header and '\\n' line ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def build_category_training(shared):
    """Return the training rows and held-out rows built from the shared data."""
    training, reserved = build_training_rows(
        read_csco(shared), read_job_titles(shared), read_posting_titles(shared)
    )
    return training, build_heldout_rows(training, reserved)


def main(argv=None):
    """Parse the command line and write the training file and the held-out set."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help="folder holding the shared reference data")
    parser.add_argument("--out", type=Path, default=SEED_DIR,
                        help="folder to write category_training.csv into")
    parser.add_argument("--heldout", type=Path, default=DEFAULT_HELDOUT,
                        help="file to write the held-out titles into")
    args = parser.parse_args(argv)
    if not args.shared.is_dir():
        parser.error(f"shared data folder not found: {args.shared}")
    training, heldout = build_category_training(args.shared)
    write_table(args.out / "category_training.csv", TRAINING_HEADER, training)
    write_table(args.heldout, HELDOUT_HEADER, heldout)
    print(f"{len(training)} training rows, {len(heldout)} held-out titles")


if __name__ == "__main__":
    sys.exit(main())

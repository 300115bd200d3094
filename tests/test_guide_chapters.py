"""The guide's "The seed app, chapter by chapter" section: one heading per chapter of the
seed manual, in the seed's order, every ``hpf_…`` name it points at importable, every link
to another part of the guide landing on a heading (issue #11, D-050)."""

from __future__ import annotations

import importlib
import re
import unicodedata
from pathlib import Path

import attrs
import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "guide.md"
TITLE = "## The seed app, chapter by chapter"

# The seed's chapter and section headings (its table of contents), in its order.
SEED_HEADINGS = (
    "第1章 软件安装",
    "第2章 登录",
    "第3章 新闻动态",
    "第4章 账户查询",
    "第5章 业务办理",
    "5.1.1 服务网点查询",
    "5.1.2 房贷计算器",
    "5.1.3 修改手机号码",
    "5.2.1 我要提取",
    "5.2.2 我的业务",
    "6.3 贷款业务",
    "6.3.1 提前还本",
    "6.3.2 按月抵扣签约",
    "6.3.3 提前结清",
    "第7章 我",
)
# Screens that are items inside a chapter rather than headings.
SEED_ITEMS = (
    "5.2.1.1 离、退休提取",
    "5.2.1.2 终止劳动关系提取",
    "5.2.1.3 房租提取",
    "5.2.1.4 物业管理费提取",
    "5.2.1.5 偿还购房贷款本息提取",
    "7.1 个人中心",
    "7.2 服务热线",
    "7.3 隐私声明",
    "7.4 密码修改",
    "7.4.1 APP、微信、网厅密码修改",
    "7.4.2 12329 语音热线、触摸屏密码修改",
    "7.5 退出当前账号",
)

NAME = re.compile(r"`(hpf_(?:core|adapters)(?:\.\w+)+)`")
LINK = re.compile(r"\]\(#([^)]+)\)")


def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def section() -> str:
    text = guide()
    start = text.index(TITLE)
    end = text.find("\n## ", start + len(TITLE))
    return text[start : end if end != -1 else len(text)]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    kept = "".join(c for c in heading.strip().lower() if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


def resolve(dotted: str) -> object:
    """The object a dotted name points at: the longest importable module, then attributes
    (an attrs field of a class counts as an attribute)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            if hasattr(target, attr):
                target = getattr(target, attr)
            elif isinstance(target, type) and attrs.has(target) and attr in attrs.fields_dict(target):
                target = attrs.fields_dict(target)[attr]
            else:
                raise AttributeError(f"{dotted}: no {attr!r}")
        return target
    raise ImportError(dotted)


def names() -> list[str]:
    return sorted(set(NAME.findall(section())))


def test_the_section_exists_and_names_functions() -> None:
    assert len(names()) > 60


def test_each_seed_chapter_has_a_heading_in_the_seeds_order() -> None:
    headings = re.findall(r"^#{3,4} (.+?)(?: \(.*\))?$", section(), re.MULTILINE)
    assert [h for h in headings if h in SEED_HEADINGS] == list(SEED_HEADINGS)


def test_each_screen_inside_a_chapter_is_named() -> None:
    text = section()
    missing = [item for item in SEED_ITEMS if item not in text]
    assert not missing


@pytest.mark.parametrize("dotted", names())
def test_every_name_exists(dotted: str) -> None:
    resolve(dotted)


def test_the_resolver_refuses_a_name_that_does_not_exist() -> None:
    with pytest.raises(AttributeError):
        resolve("hpf_core.centers.no_such_function")
    with pytest.raises(AttributeError):
        resolve("hpf_core.centers.Outlet.no_such_field")
    assert resolve("hpf_core.centers.Outlet.address") is not None


def test_every_link_lands_on_a_heading_of_the_guide() -> None:
    anchors = {slug(h) for h in re.findall(r"^#{2,4} (.+)$", guide(), re.MULTILINE)}
    missing = [a for a in LINK.findall(section()) if a not in anchors]
    assert not missing


def test_the_slug_is_githubs() -> None:
    assert slug("Initial password and login (初始密码, 登录)") == "initial-password-and-login-初始密码-登录"
    assert slug("我的业务: what the member sees") == "我的业务-what-the-member-sees"

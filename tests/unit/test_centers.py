"""Centres, verification at first login, personal centre, news and service outlets
(issue #6; seed manual §2, §3, §5.1.1, §7)."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from urllib.parse import quote

import pytest

from hpf_adapters.centers import MemoryVerifier, available, load_centers, load_news, load_outlets
from hpf_core.centers import (
    ALIPAY,
    Center,
    CenterRegistry,
    NearestOutlets,
    NewsItem,
    Outlet,
    VerificationMethod,
    VerificationResult,
    choose_center,
    distance_km,
    first_login_allowed,
    hotline_link,
    map_link,
    nearest,
    news_of,
    outlets_of,
    parse_center,
    parse_news,
    parse_outlets,
    personal_center,
    tel_link,
)
from hpf_core.errors import (
    InputError,
    InputTypeError,
    InvalidChoice,
    InvalidIdNumber,
    InvalidPhone,
    InvalidPolicy,
    Refused,
    UnknownRecord,
)

SEED_HOURS = "周一到周五(国家法定节假日除外)上午10:00——14:00,下午16:00——19:30"


def center(code: str = "demo", *, requires: bool = True) -> Center:
    return Center(code, f"{code} 中心", "示例地区", "https://example.org/", "12329", "隐私声明", requires)


def outlet(name: str, lat: str, lon: str, code: str = "demo") -> Outlet:
    return Outlet(code, name, ("全部",), "12329", "全天", f"{name}路1号", Decimal(lat), Decimal(lon))


CENTER_FILE = """
[center]
code = "demo"
name = "示例中心"
region = "示例地区"
website = "https://example.org/"
hotline = "12329"
privacy_statement = "示例"
"""


class TestChooseACentre:
    def test_a_member_picks_a_centre_by_its_code(self) -> None:
        registry = CenterRegistry([center("a"), center("b")])
        assert choose_center(registry, "b").code == "b"

    def test_an_unknown_centre_is_an_invalid_choice_listing_the_codes(self) -> None:
        registry = CenterRegistry([center("a"), center("b")])
        with pytest.raises(InvalidChoice, match="must be one of a, b") as caught:
            choose_center(registry, "c")
        assert caught.value.field == "center"

    def test_a_non_string_choice_is_an_invalid_choice(self) -> None:
        with pytest.raises(InvalidChoice):
            choose_center(CenterRegistry([center("a")]), None)

    def test_looking_up_a_missing_code_is_an_unknown_record(self) -> None:
        with pytest.raises(UnknownRecord):
            CenterRegistry([center("a")]).get("b")

    def test_a_registry_refuses_the_same_code_twice(self) -> None:
        with pytest.raises(InputError, match="twice"):
            CenterRegistry([center("a"), center("a")])

    def test_the_hotline_is_a_tel_link(self) -> None:
        assert hotline_link(center()) == "tel:12329"

    def test_a_centre_file_defaults_to_requiring_third_party_first_login(self) -> None:
        assert parse_center(CENTER_FILE).requires_third_party_first_login is True

    @pytest.mark.parametrize(
        ("added", "key"),
        [
            ("", "center.name"),
            ('hotline_typo = "1"', "center.hotline_typo"),
            ('requires_third_party_first_login = "yes"', "center.requires_third_party_first_login"),
        ],
    )
    def test_a_malformed_centre_file_names_the_key(self, added: str, key: str) -> None:
        text = CENTER_FILE.replace('name = "示例中心"', "" if key == "center.name" else 'name = "示例中心"')
        text += added + "\n"
        with pytest.raises(InvalidPolicy) as caught:
            parse_center(text)
        assert caught.value.field == key

    def test_a_hotline_that_is_not_a_number_is_refused(self) -> None:
        with pytest.raises(InvalidPolicy) as caught:
            parse_center(CENTER_FILE.replace('"12329"', '"call us"'))
        assert caught.value.field == "center.hotline"


class TestFirstLoginVerification:
    def test_a_first_login_without_verification_is_refused_where_required(self) -> None:
        with pytest.raises(Refused) as caught:
            first_login_allowed(center(requires=True), None)
        assert caught.value.codes == ("third_party_verification_required",)
        assert "支付宝授权或刷脸" in caught.value.violations[0].message

    @pytest.mark.parametrize("method", list(VerificationMethod))
    def test_a_first_login_verified_by_alipay_or_face_is_allowed(self, method: VerificationMethod) -> None:
        result = MemoryVerifier().verify("m1", method)
        assert result.ok
        first_login_allowed(center(requires=True), result)  # passes: no raise

    def test_a_failed_verification_is_refused(self) -> None:
        result = MemoryVerifier({"m1": False}).verify("m1", VerificationMethod.FACE)
        with pytest.raises(Refused) as caught:
            first_login_allowed(center(), result)
        assert caught.value.codes == ("third_party_verification_failed",)
        assert "刷脸" in caught.value.violations[0].message

    def test_a_centre_that_does_not_require_it_lets_first_login_through(self) -> None:
        first_login_allowed(center(requires=False), None)  # passes: no raise

    def test_the_memory_verifier_records_calls_and_takes_outcomes_per_method(self) -> None:
        verifier = MemoryVerifier(default=False)
        verifier.set_outcome("m1", True, VerificationMethod.ALIPAY)
        assert verifier.verify("m1", "alipay") == VerificationResult(
            True, VerificationMethod.ALIPAY, "alipay-000001"
        )
        assert not verifier.verify("m1", VerificationMethod.FACE).ok
        assert not verifier.verify("m2", VerificationMethod.ALIPAY).ok
        assert verifier.calls == [
            ("m1", VerificationMethod.ALIPAY),
            ("m1", VerificationMethod.FACE),
            ("m2", VerificationMethod.ALIPAY),
        ]

    def test_the_memory_verifier_refuses_an_unknown_method(self) -> None:
        with pytest.raises(InvalidChoice):
            MemoryVerifier().verify("m1", "sms")

    def test_methods_carry_their_chinese_labels(self) -> None:
        assert [m.label for m in VerificationMethod] == ["支付宝授权", "刷脸"]


class TestServiceOutlets:
    def test_the_seed_outlet_shows_the_details_the_seed_shows(self) -> None:
        hq = load_outlets("altay")[0]
        assert hq.name == "阿勒泰地区住房公积金管理中心中心本部"
        assert hq.business_types == ("全部",)
        assert hq.phone == "12329"
        assert hq.hours == SEED_HOURS
        assert hq.address == "阿勒泰市解放路2"

    def test_the_phone_button_is_a_tel_link(self) -> None:
        assert tel_link(outlet("a", "47.85", "88.14")) == "tel:12329"

    def test_the_navigate_button_is_a_geo_uri_with_the_encoded_address(self) -> None:
        hq = load_outlets("altay")[0]
        assert map_link(hq) == (
            "geo:47.85,88.14?q=%E9%98%BF%E5%8B%92%E6%B3%B0%E5%B8%82%E8%A7%A3%E6%94%BE%E8%B7%AF2"
        )

    def test_outlets_are_listed_per_centre_in_the_given_order(self) -> None:
        items = [outlet("b", "0", "0"), outlet("x", "0", "0", "other"), outlet("a", "0", "0")]
        assert [o.name for o in outlets_of(items, "demo")] == ["b", "a"]

    def test_one_degree_of_latitude_is_about_111_19_km(self) -> None:
        # Haversine on R = 6371 km: one degree = 6371 * pi / 180 = 111.1949 km.
        assert distance_km("0", "0", "1", "0") == pytest.approx(6371 * math.pi / 180)
        assert distance_km("0", "0", "1", "0") == pytest.approx(111.19, abs=0.01)

    def test_the_nearest_outlets_come_first_with_their_distances(self) -> None:
        # From (47.85, 88.14): "north" is 0.1 degree of latitude away = 11.119 km;
        # "east" is 0.1 degree of longitude at 47.85 N: about 11.119 * cos(47.85°) = 7.46 km;
        # "far" is 1 degree of latitude south = 111.19 km.
        items = [
            outlet("far", "46.85", "88.14"),
            outlet("north", "47.95", "88.14"),
            outlet("east", "47.85", "88.24"),
        ]
        found = nearest(items, "47.85", "88.14", k=2)
        assert [n.outlet.name for n in found] == ["east", "north"]
        assert found[0].distance_km == pytest.approx(7.46, abs=0.01)
        assert found[1].distance_km == pytest.approx(11.12, abs=0.01)

    def test_equal_distances_are_ordered_by_name(self) -> None:
        items = [outlet("乙", "0", "1"), outlet("甲", "0", "-1"), outlet("丙", "0", "3")]
        found = nearest(items, Decimal(0), 0.0, k=5)
        assert found[0].distance_km == found[1].distance_km
        assert [n.outlet.name for n in found] == [*sorted(["乙", "甲"]), "丙"]

    @pytest.mark.parametrize(("lat", "lon"), [("91", "0"), ("0", "-180.5"), ("NaN", "0"), ("north", "0")])
    def test_a_point_off_the_globe_is_refused(self, lat: str, lon: str) -> None:
        with pytest.raises(InputError):
            nearest([outlet("a", "0", "0")], lat, lon)

    def test_k_must_be_positive(self) -> None:
        with pytest.raises(InputError):
            nearest([outlet("a", "0", "0")], "0", "0", k=0)

    def test_coordinates_written_as_toml_floats_are_refused(self) -> None:
        text = CENTER_FILE + (
            '[[outlets]]\nname = "a"\nbusiness_types = ["全部"]\nphone = "12329"\nhours = "h"\n'
            'address = "x"\nlatitude = "47.85"\nlongitude = 88.14\n'
        )
        with pytest.raises(InvalidPolicy) as caught:
            parse_outlets(text)
        assert caught.value.field == "outlets[0].longitude"


# The seed's 服务网点查询 list page (§5.1.1 (1)), row by row: name and address; the 中心本部's
# 详情 (§5.1.1 (4)) adds 业务类型 全部, 联系电话 12329 and the hours. The third address is
# the blurred screenshot's reading (D-050).
SEED_OUTLETS = (
    ("阿勒泰地区住房公积金管理中心中心本部", "阿勒泰市解放路2"),
    ("阿勒泰地区住房公积金管理中心布尔津管理部", "布尔津县百花园路1-23"),
    ("阿勒泰地区住房公积金管理中心哈巴河管理部", "哈巴河县文化北路7号电力公司三楼"),
    ("阿勒泰地区住房公积金管理中心吉木乃管理部", "吉木乃县团结南路8号老县委楼二楼"),
)


def bare(name: str, code: str = "demo") -> Outlet:
    """An outlet the centre gives only a name and an address for."""
    return Outlet(code, name, (), None, None, f"{name}路1号", None, None)


class TestTheSeedsFourOutlets:
    def test_all_four_outlets_of_the_list_page_ship_in_the_seeds_order(self) -> None:
        assert [(o.name, o.address) for o in load_outlets("altay")] == list(SEED_OUTLETS)

    def test_only_the_outlet_whose_details_the_seed_shows_has_phone_hours_and_types(self) -> None:
        outlets = load_outlets("altay")
        assert [o.phone for o in outlets] == ["12329", None, None, None]
        assert [o.hours for o in outlets] == [SEED_HOURS, None, None, None]
        assert [o.business_types for o in outlets] == [("全部",), (), (), ()]

    def test_the_seed_gives_coordinates_for_none_so_only_the_example_one_has_them(self) -> None:
        assert [o.has_coordinates for o in load_outlets("altay")] == [True, False, False, False]

    def test_nearest_ranks_the_located_outlet_and_lists_the_three_it_skipped(self) -> None:
        found = nearest(load_outlets("altay"), "47.85", "88.14")
        assert isinstance(found, NearestOutlets)
        assert [n.outlet.name for n in found] == [SEED_OUTLETS[0][0]]
        assert found[0].distance_km == 0.0
        assert [o.name for o in found.skipped] == [name for name, _ in SEED_OUTLETS[1:]]
        assert found.notice == (
            "3 个网点没有坐标，未参与距离排序：阿勒泰地区住房公积金管理中心布尔津管理部、"
            "阿勒泰地区住房公积金管理中心哈巴河管理部、阿勒泰地区住房公积金管理中心吉木乃管理部"
        )

    def test_navigation_to_an_outlet_without_coordinates_searches_its_address(self) -> None:
        jimunai = load_outlets("altay")[3]
        # Percent-encoding by the standard library, independently of the code under test.
        assert map_link(jimunai) == "geo:0,0?q=" + quote("吉木乃县团结南路8号老县委楼二楼", safe="")

    def test_calling_an_outlet_without_a_phone_is_an_unknown_record_naming_the_field(self) -> None:
        burqin = load_outlets("altay")[1]
        with pytest.raises(UnknownRecord) as caught:
            tel_link(burqin)
        assert caught.value.field == "outlet.phone"
        assert "hotline" in caught.value.reason

    def test_with_complete_data_nearest_reads_as_before(self) -> None:
        items = [outlet("far", "46.85", "88.14"), outlet("near", "47.95", "88.14")]
        found = nearest(items, "47.85", "88.14")
        assert found.skipped == ()
        assert found.notice == ""
        assert len(found) == 2
        assert tuple(found) == found.found
        assert [n.outlet.name for n in found] == ["near", "far"]

    def test_k_counts_only_ranked_outlets(self) -> None:
        items = [bare("甲"), outlet("far", "46.85", "88.14"), outlet("near", "47.95", "88.14"), bare("乙")]
        found = nearest(items, "47.85", "88.14", k=1)
        assert [n.outlet.name for n in found] == ["near"]
        assert [o.name for o in found.skipped] == ["甲", "乙"]

    def test_with_no_coordinates_at_all_nothing_is_ranked_and_everything_is_listed(self) -> None:
        found = nearest([bare("甲"), bare("乙")], "0", "0")
        assert len(found) == 0
        assert [o.name for o in found.skipped] == ["甲", "乙"]
        assert found.notice.startswith("2 个网点没有坐标")

    def test_an_outlet_with_half_its_coordinates_is_skipped_not_ranked(self) -> None:
        half = Outlet("demo", "半", (), None, None, "x", Decimal("47.85"), None)
        found = nearest([half], "47.85", "88.14")
        assert (found.found, found.skipped) == ((), (half,))

    def test_the_point_is_still_checked_when_no_outlet_can_be_ranked(self) -> None:
        with pytest.raises(InputError):
            nearest([bare("甲")], "91", "0")

    def test_a_non_outlet_in_the_list_is_a_type_error(self) -> None:
        with pytest.raises(InputTypeError):
            nearest([bare("甲"), "乙"], "0", "0")  # type: ignore[list-item]

    def test_a_file_outlet_with_name_and_address_only_parses_with_nothing_guessed(self) -> None:
        address = "吉木乃县团结南路8号老县委楼二楼"
        text = CENTER_FILE + f'[[outlets]]\nname = "吉木乃管理部"\naddress = "{address}"\n'
        (only,) = parse_outlets(text)
        assert only == Outlet("demo", "吉木乃管理部", (), None, None, address, None, None)

    @pytest.mark.parametrize(
        ("lines", "key"),
        [
            ('latitude = "47.85"\n', "outlets[0].longitude"),
            ('longitude = "88.14"\n', "outlets[0].latitude"),
            ('phone = ""\n', "outlets[0].phone"),
            ('hours = " "\n', "outlets[0].hours"),
            ("business_types = []\n", "outlets[0].business_types"),
            ('phone = "call us"\n', "outlets[0].phone"),
        ],
    )
    def test_a_field_given_must_still_be_right(self, lines: str, key: str) -> None:
        text = CENTER_FILE + '[[outlets]]\nname = "a"\naddress = "x"\n' + lines
        with pytest.raises(InvalidPolicy) as caught:
            parse_outlets(text)
        assert caught.value.field == key

    @pytest.mark.parametrize("key", ["name", "address"])
    def test_name_and_address_are_still_required(self, key: str) -> None:
        row = {"name": 'name = "a"\n', "address": 'address = "x"\n'}
        del row[key]
        with pytest.raises(InvalidPolicy) as caught:
            parse_outlets(CENTER_FILE + "[[outlets]]\n" + "".join(row.values()))
        assert caught.value.field == f"outlets[0].{key}"


class TestNews:
    ITEMS = (
        NewsItem("demo", "一月", date(2026, 1, 5)),
        NewsItem("other", "别处", date(2026, 9, 1)),
        NewsItem("demo", "六月", date(2026, 6, 30)),
        NewsItem("demo", "三月", date(2026, 3, 1)),
    )

    def test_news_is_per_centre_and_newest_first(self) -> None:
        assert [n.title for n in news_of(self.ITEMS, "demo")] == ["六月", "三月", "一月"]

    def test_a_limit_keeps_the_newest(self) -> None:
        assert [n.title for n in news_of(self.ITEMS, "demo", limit=1)] == ["六月"]

    def test_a_news_date_must_be_a_toml_date(self) -> None:
        with pytest.raises(InvalidPolicy) as caught:
            parse_news(CENTER_FILE + '[[news]]\ntitle = "t"\npublished_on = "2026-01-05"\n')
        assert caught.value.field == "news[0].published_on"


class TestPersonalCentre:
    def test_id_number_and_phone_are_masked_6_4_and_3_4(self) -> None:
        me = personal_center("张三", "11010519491231002X", "13800138000")
        assert me.name == "张三"
        assert me.id_number == "110105********002X"
        assert me.phone == "138****8000"

    def test_a_linked_alipay_account_is_masked_and_a_missing_one_says_unbound(self) -> None:
        me = personal_center("张三", "11010519491231002X", "13800138000", {ALIPAY: "zhangsan@example.com"})
        assert me.account_text(ALIPAY) == "z***@example.com"
        assert (
            personal_center("张三", "11010519491231002X", "13800138000").account_text(ALIPAY)
            == "未绑定支付宝"
        )

    def test_invalid_numbers_are_refused_before_anything_is_shown(self) -> None:
        with pytest.raises(InvalidIdNumber):
            personal_center("张三", "110105194912310021", "13800138000")
        with pytest.raises(InvalidPhone):
            personal_center("张三", "11010519491231002X", "12345")


class TestShippedData:
    def test_the_altay_centre_loads_with_hotline_website_and_privacy_statement(self) -> None:
        assert "altay" in available()
        altay = choose_center(load_centers(), "altay")
        assert altay.name == "阿勒泰地区住房公积金管理中心"
        assert altay.region == "阿勒泰地区"
        assert hotline_link(altay) == "tel:12329"
        assert altay.website.startswith("https://")
        assert "隐私声明" in altay.privacy_statement
        assert altay.requires_third_party_first_login

    def test_the_shipped_news_loads_newest_first(self) -> None:
        news = load_news("altay")
        assert len(news) >= 2
        assert [n.published_on for n in news] == sorted((n.published_on for n in news), reverse=True)

    def test_an_unshipped_centre_is_an_invalid_choice(self) -> None:
        with pytest.raises(InvalidChoice):
            load_news("nowhere")

"""The seed's chapter 7 (我), one function per heading: 个人中心, 服务热线, 隐私声明, 密码修改,
退出当前账号."""

from __future__ import annotations

from hpf_adapters.cli._demo._context import Demo
from hpf_adapters.cli._demo._member import center
from hpf_core.centers import ALIPAY, hotline_link, personal_center
from hpf_core.errors import Refused
from hpf_core.members import InitialPasswordRule, PasswordGroup, initial_password

__all__ = ["hotline", "logout", "password_change", "personal", "privacy"]


def personal(demo: Demo) -> None:
    """§7.1: the member's name, ID number and reserved phone, masked; no Alipay account bound."""
    if demo.token is not None:
        view = demo.app.portal.personal_centre(demo.token, demo.now)
    else:
        with demo.app.unit_of_work() as uow:
            creds = uow.credentials.get(demo.member.member_id)
        view = personal_center(demo.member.name, creds.id_number, creds.phone)
    demo.screen(
        "个人中心 Personal centre",
        [
            ("姓名", view.name),
            ("证件号码", view.id_number),
            ("中心预留手机号", view.phone),
            ("芝麻分", view.account_text(ALIPAY)),
            ("支付宝账号", view.account_text(ALIPAY)),
        ],
    )


def hotline(demo: Demo) -> None:
    """§7.2: 呼叫服务热线公积金12329."""
    chosen = center(demo)
    demo.say(f"呼叫服务热线公积金{chosen.hotline}? 确认 -> {hotline_link(chosen)}")


def privacy(demo: Demo) -> None:
    """§7.3: the centre's privacy statement."""
    demo.say(center(demo).privacy_statement.strip())


def password_change(demo: Demo) -> None:
    """§7.4.1 the APP/微信/网厅 password; §7.4.2 the 12329 hotline / touch-screen one."""
    m, app = demo.member, demo.app
    demo.say(
        "温馨提示: 中心APP、微信公众号、个人网厅共用一套密码; 12329语音热线与大厅触摸屏系统共用一套密码。"
    )
    if not demo.fresh:
        demo.replayed("both passwords changed")
        return
    assert demo.token is not None
    app.portal.change_password(
        demo.token, PasswordGroup.ONLINE, m.password, m.password2, m.password2, demo.tick()
    )
    demo.say("APP、微信、网厅密码修改 (6-18位的字母与数字组合) 旧密码/新密码/确认密码 -> 修改成功")
    keypad = initial_password(m.id_number, InitialPasswordRule.ID_LAST_6)
    try:
        app.portal.change_password(demo.token, PasswordGroup.KEYPAD, keypad, "123456", "123456", demo.tick())
    except Refused as refused:
        demo.say(f"12329语音热线、触摸屏密码修改 新密码 123456 -> refused: {refused}")
    app.portal.change_password(
        demo.token, PasswordGroup.KEYPAD, keypad, m.keypad_password, m.keypad_password, demo.tick()
    )
    demo.say(f"12329语音热线、触摸屏密码修改 (6位数字) 新密码 {'*' * len(m.keypad_password)} -> 修改成功")


def logout(demo: Demo) -> None:
    """§7.5: 退出当前账号 ends the session; its token no longer works."""
    app = demo.app
    if not demo.fresh:
        demo.replayed("logged out")
        return
    assert demo.token is not None
    ended = app.portal.logout(demo.token, demo.tick())
    demo.say(f"退出当前账号 -> {'已退出 logged out' if ended else 'no session'}")
    try:
        app.portal.personal_centre(demo.token, demo.tick())
    except Refused as refused:
        demo.say(f"the old session afterwards -> refused: {refused}")
    demo.token = None

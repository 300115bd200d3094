"""SmsGateway contract: a text handed over for a phone, in order (the memory gateway is
inspected; a real gateway's sandbox joins with its own inspection)."""

from __future__ import annotations

from hpf_adapters.sms import MemorySms, SmsMessage


class TestSmsGateway:
    def test_texts_are_kept_per_phone_in_order(self) -> None:
        sms = MemorySms()
        sms.send("13800138000", "【12329】一")
        sms.send("13900139000", "【12329】二")
        sms.send("13800138000", "【12329】三")
        assert sms.to("13800138000") == ("【12329】一", "【12329】三")
        assert sms.sent_messages[1] == SmsMessage("13900139000", "【12329】二")

    def test_a_key_is_delivered_once(self) -> None:
        # the outbox relay's idempotency key (D-053): a redelivery under the same key sends nothing
        sms = MemorySms()
        sms.send("13800138000", "【12329】一", key="N000000001")
        sms.send("13800138000", "【12329】一", key="N000000001")
        sms.send("13800138000", "【12329】一", key="N000000002")
        assert sms.to("13800138000") == ("【12329】一", "【12329】一")

"""本金余额 on the seed's 贷款还款明细 (§4.2 (4); issue #11 item 7, D-046).

The seed's 201706期 row shows 本金余额 33,195.08 and 已还本金合计 33,195.08. Its own figures
say which of the two is the principal still owed: the 偿还利息 of the row (411.83) is one
month's interest at the loan's 3.2500 % on the principal owed *before* the row, and that
principal is 184,000.00 − (33,195.08 − 1,253.96), not 33,195.08 + 1,253.96. So the screen's
本金余额 repeats 已还本金合计; hpf shows the principal still owed after the payment
(``RepaymentDetail.balance_after``), the meaning of the label and of 贷款余额."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

D = Decimal
CONTRACT = D("184000.00")  # 合同贷款金额 (seed §4.2 (3))
RATE = D("0.0325")  # 贷款利率 3.2500 %
REPAID_AFTER_ROW = D("33195.08")  # 已还本金合计 of the 201706期 row
PRINCIPAL, INTEREST = D("1253.96"), D("411.83")  # 偿还本金, 偿还利息 of that row
LOAN_BALANCE_2018_05 = D("138076.97")  # 贷款余额 on 贷款账户信息, 2018-05


def month_interest(owed: Decimal) -> Decimal:
    return (owed * RATE / 12).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def test_the_rows_interest_is_on_the_principal_owed_not_on_the_repaid_total() -> None:
    owed_before = CONTRACT - (REPAID_AFTER_ROW - PRINCIPAL)  # 152,058.88
    assert owed_before == D("152058.88")
    assert month_interest(owed_before) == INTEREST  # 152,058.88 x 3.25% / 12 = 411.826 -> 411.83
    assert month_interest(REPAID_AFTER_ROW) == D("89.90")  # were 33,195.08 owed: not the row


def test_the_principal_owed_after_the_row_runs_down_to_the_account_screens_balance() -> None:
    owed_after = CONTRACT - REPAID_AFTER_ROW  # what hpf shows as 本金余额 for 201706期
    assert owed_after == D("150804.92")
    # ten more instalments (201707-201804) of 1,665.79 at 3.25 % bring it to the 贷款余额
    # the account screen shows in May 2018
    owed = owed_after
    for _ in range(10):
        owed -= D("1665.79") - month_interest(owed)
    assert owed == LOAN_BALANCE_2018_05

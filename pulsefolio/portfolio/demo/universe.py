"""The demo asset universe: about 200 stocks, ETFs and mutual funds in USD, EUR, GBP and INR.

Symbols follow Yahoo's conventions (``VOD.L``, ``SAP.DE``, ``RELIANCE.NS``); Indian mutual
funds go by their AMFI scheme code (the codes and names are illustrative). Prices are drawn
from the seed within each group's range; they are only a starting point for the simulated
source.
"""

from __future__ import annotations

from dataclasses import dataclass

from pulsefolio.core.domain import AssetClass


@dataclass(frozen=True, slots=True)
class Group:
    asset_class: AssetClass
    currency: str
    exchange: str
    low: int  # price range of the group, in the currency's main unit
    high: int
    sources: tuple[str, ...]  # after "simulated", in fallback order
    members: str  # "SYMBOL:Name" per line


US_STOCKS = """AAPL:Apple Inc.
MSFT:Microsoft Corporation
GOOGL:Alphabet Inc. Class A
AMZN:Amazon.com Inc.
NVDA:NVIDIA Corporation
META:Meta Platforms Inc.
TSLA:Tesla Inc.
BRK-B:Berkshire Hathaway Inc. Class B
JPM:JPMorgan Chase & Co.
V:Visa Inc.
JNJ:Johnson & Johnson
WMT:Walmart Inc.
PG:Procter & Gamble Co.
MA:Mastercard Inc.
HD:Home Depot Inc.
XOM:Exxon Mobil Corporation
CVX:Chevron Corporation
KO:Coca-Cola Co.
PEP:PepsiCo Inc.
ABBV:AbbVie Inc.
MRK:Merck & Co. Inc.
LLY:Eli Lilly and Co.
PFE:Pfizer Inc.
COST:Costco Wholesale Corporation
AVGO:Broadcom Inc.
ORCL:Oracle Corporation
CSCO:Cisco Systems Inc.
ADBE:Adobe Inc.
CRM:Salesforce Inc.
NFLX:Netflix Inc.
INTC:Intel Corporation
AMD:Advanced Micro Devices Inc.
QCOM:Qualcomm Inc.
TXN:Texas Instruments Inc.
IBM:International Business Machines
DIS:Walt Disney Co.
NKE:Nike Inc.
MCD:McDonald's Corporation
SBUX:Starbucks Corporation
BA:Boeing Co.
CAT:Caterpillar Inc.
GE:General Electric Co.
MMM:3M Co.
HON:Honeywell International Inc.
UNH:UnitedHealth Group Inc.
CVS:CVS Health Corporation
BAC:Bank of America Corporation
WFC:Wells Fargo & Co.
C:Citigroup Inc.
GS:Goldman Sachs Group Inc.
MS:Morgan Stanley
AXP:American Express Co.
PYPL:PayPal Holdings Inc.
T:AT&T Inc.
VZ:Verizon Communications Inc.
TMO:Thermo Fisher Scientific Inc.
ABT:Abbott Laboratories
DHR:Danaher Corporation
LIN:Linde plc
NEE:NextEra Energy Inc.
UPS:United Parcel Service Inc.
LOW:Lowe's Companies Inc.
SPGI:S&P Global Inc.
BLK:BlackRock Inc.
AMGN:Amgen Inc.
GILD:Gilead Sciences Inc.
F:Ford Motor Co.
GM:General Motors Co.
UBER:Uber Technologies Inc.
SHOP:Shopify Inc."""

UK_STOCKS = """VOD.L:Vodafone Group plc
HSBA.L:HSBC Holdings plc
BP.L:BP plc
SHEL.L:Shell plc
AZN.L:AstraZeneca plc
ULVR.L:Unilever plc
GSK.L:GSK plc
RIO.L:Rio Tinto plc
BARC.L:Barclays plc
LLOY.L:Lloyds Banking Group plc
TSCO.L:Tesco plc
BATS.L:British American Tobacco plc
DGE.L:Diageo plc
REL.L:RELX plc
NG.L:National Grid plc
BT-A.L:BT Group plc
LSEG.L:London Stock Exchange Group plc
GLEN.L:Glencore plc
AAL.L:Anglo American plc
RR.L:Rolls-Royce Holdings plc
BA.L:BAE Systems plc
PRU.L:Prudential plc
AV.L:Aviva plc
LGEN.L:Legal & General Group plc
SSE.L:SSE plc"""

EU_STOCKS = """SAP.DE:SAP SE
SIE.DE:Siemens AG
ALV.DE:Allianz SE
BAS.DE:BASF SE
BMW.DE:Bayerische Motoren Werke AG
MBG.DE:Mercedes-Benz Group AG
DTE.DE:Deutsche Telekom AG
ADS.DE:adidas AG
DBK.DE:Deutsche Bank AG
MUV2.DE:Munich Re
IFX.DE:Infineon Technologies AG
VOW3.DE:Volkswagen AG Vz
BAYN.DE:Bayer AG
MC.PA:LVMH Moet Hennessy Louis Vuitton
OR.PA:L'Oreal SA
TTE.PA:TotalEnergies SE
SAN.PA:Sanofi SA
AIR.PA:Airbus SE
BNP.PA:BNP Paribas SA
SU.PA:Schneider Electric SE
AI.PA:Air Liquide SA
KER.PA:Kering SA
DG.PA:Vinci SA
ASML.AS:ASML Holding NV
INGA.AS:ING Groep NV
PHIA.AS:Koninklijke Philips NV
AD.AS:Koninklijke Ahold Delhaize NV
HEIA.AS:Heineken NV"""

IN_STOCKS = """RELIANCE.NS:Reliance Industries Ltd.
TCS.NS:Tata Consultancy Services Ltd.
INFY.NS:Infosys Ltd.
HDFCBANK.NS:HDFC Bank Ltd.
ICICIBANK.NS:ICICI Bank Ltd.
HINDUNILVR.NS:Hindustan Unilever Ltd.
ITC.NS:ITC Ltd.
SBIN.NS:State Bank of India
BHARTIARTL.NS:Bharti Airtel Ltd.
LT.NS:Larsen & Toubro Ltd.
KOTAKBANK.NS:Kotak Mahindra Bank Ltd.
AXISBANK.NS:Axis Bank Ltd.
ASIANPAINT.NS:Asian Paints Ltd.
MARUTI.NS:Maruti Suzuki India Ltd.
BAJFINANCE.NS:Bajaj Finance Ltd.
HCLTECH.NS:HCL Technologies Ltd.
WIPRO.NS:Wipro Ltd.
SUNPHARMA.NS:Sun Pharmaceutical Industries Ltd.
TITAN.NS:Titan Company Ltd.
ULTRACEMCO.NS:UltraTech Cement Ltd.
NESTLEIND.NS:Nestle India Ltd.
TATAMOTORS.NS:Tata Motors Ltd.
POWERGRID.NS:Power Grid Corporation of India Ltd.
NTPC.NS:NTPC Ltd.
ONGC.NS:Oil and Natural Gas Corporation Ltd."""

US_ETFS = """VTI:Vanguard Total Stock Market ETF
VOO:Vanguard S&P 500 ETF
SPY:SPDR S&P 500 ETF Trust
QQQ:Invesco QQQ Trust
IVV:iShares Core S&P 500 ETF
VEA:Vanguard FTSE Developed Markets ETF
VWO:Vanguard FTSE Emerging Markets ETF
BND:Vanguard Total Bond Market ETF
AGG:iShares Core U.S. Aggregate Bond ETF
VXUS:Vanguard Total International Stock ETF
SCHD:Schwab U.S. Dividend Equity ETF
VIG:Vanguard Dividend Appreciation ETF
IWM:iShares Russell 2000 ETF
EFA:iShares MSCI EAFE ETF
GLD:SPDR Gold Shares
VNQ:Vanguard Real Estate ETF
XLK:Technology Select Sector SPDR Fund
XLF:Financial Select Sector SPDR Fund
TLT:iShares 20+ Year Treasury Bond ETF
VYM:Vanguard High Dividend Yield ETF"""

UK_ETFS = """VUSA.L:Vanguard S&P 500 UCITS ETF
ISF.L:iShares Core FTSE 100 UCITS ETF
VWRL.L:Vanguard FTSE All-World UCITS ETF
VFEM.L:Vanguard FTSE Emerging Markets UCITS ETF"""

EU_ETFS = """EUNL.DE:iShares Core MSCI World UCITS ETF
SXR8.DE:iShares Core S&P 500 UCITS ETF
VWCE.DE:Vanguard FTSE All-World UCITS ETF Acc
EXS1.DE:iShares Core DAX UCITS ETF"""

IN_ETFS = """NIFTYBEES.NS:Nippon India ETF Nifty 50 BeES
BANKBEES.NS:Nippon India ETF Nifty Bank BeES
GOLDBEES.NS:Nippon India ETF Gold BeES"""

US_FUNDS = """VFIAX:Vanguard 500 Index Fund Admiral Shares
VTSAX:Vanguard Total Stock Market Index Fund Admiral Shares
FXAIX:Fidelity 500 Index Fund
SWPPX:Schwab S&P 500 Index Fund
VBTLX:Vanguard Total Bond Market Index Fund Admiral Shares
VTIAX:Vanguard Total International Stock Index Fund Admiral Shares
AGTHX:American Funds Growth Fund of America A
FCNTX:Fidelity Contrafund"""

IN_FUNDS = """122639:Parag Parikh Flexi Cap Fund - Direct Plan - Growth
120503:Axis ELSS Tax Saver Fund - Direct Plan - Growth
118834:Mirae Asset Large Cap Fund - Direct Plan - Growth
120716:UTI Nifty 50 Index Fund - Direct Plan - Growth
118989:HDFC Mid-Cap Opportunities Fund - Direct Plan - Growth
125497:SBI Small Cap Fund - Direct Plan - Growth
120586:ICICI Prudential Bluechip Fund - Direct Plan - Growth
119598:SBI Blue Chip Fund - Direct Plan - Growth
120828:Quant Small Cap Fund - Direct Plan - Growth
147622:Motilal Oswal Nasdaq 100 FOF - Direct Plan - Growth"""

S, E, M = AssetClass.STOCK, AssetClass.ETF, AssetClass.MUTUAL_FUND
YAHOO = ("yahoo",)
GROUPS = (
    Group(S, "USD", "NASDAQ/NYSE", 15, 600, YAHOO, US_STOCKS),
    Group(S, "GBP", "LSE", 1, 60, YAHOO, UK_STOCKS),
    Group(S, "EUR", "XETRA/EURONEXT", 10, 700, YAHOO, EU_STOCKS),
    Group(S, "INR", "NSE", 150, 4000, YAHOO, IN_STOCKS),
    Group(E, "USD", "NYSE ARCA", 40, 500, YAHOO, US_ETFS),
    Group(E, "GBP", "LSE", 5, 100, YAHOO, UK_ETFS),
    Group(E, "EUR", "XETRA", 20, 150, YAHOO, EU_ETFS),
    Group(E, "INR", "NSE", 50, 600, YAHOO, IN_ETFS),
    Group(M, "USD", "MUTUAL FUND", 20, 500, YAHOO, US_FUNDS),
    Group(M, "INR", "AMFI", 20, 300, ("amfi",), IN_FUNDS),
)


@dataclass(frozen=True, slots=True)
class UniverseAsset:
    symbol: str
    name: str
    asset_class: AssetClass
    currency: str
    exchange: str
    low: int
    high: int
    sources: tuple[tuple[str, str], ...]  # (source, provider symbol), in priority order


def universe() -> list[UniverseAsset]:
    """Every demo asset, in a fixed order; each priced by ``simulated`` first."""
    assets = []
    for group in GROUPS:
        for line in group.members.splitlines():
            symbol, name = line.split(":", 1)
            sources = (("simulated", symbol), *((source, symbol) for source in group.sources))
            assets.append(
                UniverseAsset(
                    symbol, name, group.asset_class, group.currency, group.exchange,
                    group.low, group.high, sources,
                )
            )  # fmt: skip
    return assets

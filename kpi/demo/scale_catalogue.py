"""Who and what the synthetic national-scale warehouse (:mod:`kpi.demo.scale`) holds: the 1,788 local
governments (generated names and real-style codes with check digits), the strategy's pillars and items, reason
categories and texts, and a catalogue of 100 indicator templates.
"""
from __future__ import annotations

import random

import polars as pl

__all__ = ["PREFECTURES", "NATIONAL_ORGS", "PILLARS", "REASON_CATEGORIES", "REASONS", "CATALOGUE",
           "catalogue_frame", "organizations"]


# 47 prefectures with their number of municipalities (Tokyo: 39 cities, towns and villages + 23 special wards).
PREFECTURES: tuple[tuple[str, int], ...] = (
    ("北海道", 179), ("青森県", 40), ("岩手県", 33), ("宮城県", 35), ("秋田県", 25), ("山形県", 35), ("福島県", 59),
    ("茨城県", 44), ("栃木県", 25), ("群馬県", 35), ("埼玉県", 63), ("千葉県", 54), ("東京都", 62), ("神奈川県", 33),
    ("新潟県", 30), ("富山県", 15), ("石川県", 19), ("福井県", 17), ("山梨県", 27), ("長野県", 77), ("岐阜県", 42),
    ("静岡県", 35), ("愛知県", 54), ("三重県", 29), ("滋賀県", 19), ("京都府", 26), ("大阪府", 43), ("兵庫県", 41),
    ("奈良県", 39), ("和歌山県", 30), ("鳥取県", 19), ("島根県", 19), ("岡山県", 27), ("広島県", 23), ("山口県", 19),
    ("徳島県", 24), ("香川県", 17), ("愛媛県", 20), ("高知県", 34), ("福岡県", 60), ("佐賀県", 20), ("長崎県", 21),
    ("熊本県", 45), ("大分県", 18), ("宮崎県", 26), ("鹿児島県", 43), ("沖縄県", 41),
)
NATIONAL_ORGS = 47 + sum(n for _, n in PREFECTURES)  # 1,788

_HEAD = "北南東西上下大小高中新本青白若桜松竹梅杉柳藤菊稲富福長広平石岩朝日月星春秋美清豊"
_TAIL = "川山田野原沢浦島浜津崎岡坂森林宮寺泉井江根瀬谷里宿橋台"

PILLARS = (
    (1, "行政サービスのデジタル化", ("行政手続のオンライン化", "窓口・申請の利便性向上", "情報発信とデータ活用")),
    (2, "業務の効率化と働き方改革", ("庁内業務の効率化", "働き方改革", "デジタル人材の育成")),
    (3, "地域社会のデジタル化", ("教育・子育て", "医療・福祉・防災", "産業・まちづくり")),
)
REASON_CATEGORIES = (
    ("covid", "新型コロナウイルス感染症の影響が大きいと思われるもの", 1),
    ("system", "国の制度変更", 2),
    ("stats", "統計の公表時期", 3),
    ("other", "その他の理由", 9),
)
REASONS = {
    "covid": ["新型コロナウイルス感染症の影響で、対面での事業が中止・縮小となったため。",
              "新型コロナウイルス感染症の拡大により、利用者数が減少したため。"],
    "system": ["国の制度変更（基幹業務システムの標準化の移行時期の見直し）に伴い、計画を変更したため。",
               "国の補助制度の変更により、事業規模を縮小したため。"],
    "stats": ["統計の公表時期の関係で、前年度の実績値により評価しているため。",
              "調査結果の公表が年度末となるため、見込値により評価している。"],
    "other": ["事業の開始が当初計画より遅れたため。", "利用者への周知が十分でなく、利用が伸び悩んだため。",
              "予算・人員の制約により、計画どおりの実施ができなかったため。", "関係機関との調整に時間を要したため。"],
}

# (name, unit, kind, typical baseline for a mid-sized municipality or a share in %, qualitative target text)
# kind: hb numeric higher with baseline, h0 numeric higher without baseline, lb numeric lower with baseline,
#       pct / pctl a share in % (higher / lower is better), inc / dec aim to increase / decrease, qual qualitative.
CATALOGUE: tuple[tuple[str, str | None, str, float, str | None], ...] = (
    # 1-1 行政手続のオンライン化
    ("オンライン申請が可能な手続数", "件", "hb", 80, None), ("電子申請の年間申請件数", "件", "hb", 5000, None),
    ("オンライン申請率", "%", "pct", 20, None), ("キャッシュレス決済に対応した窓口数", "箇所", "hb", 5, None),
    ("電子契約の導入件数", "件", "h0", 50, None), ("押印を求める様式数", "件", "dec", 800, None),
    ("書かない窓口の対象手続数", "件", "h0", 30, None), ("ぴったりサービス対応手続数", "件", "hb", 20, None),
    ("公金収納のキャッシュレス化率", "%", "pct", 15, None), ("電子納付の利用件数", "件", "hb", 3000, None),
    ("コンビニ交付の利用件数", "件", "hb", 4000, None),
    # 1-2 窓口・申請の利便性向上
    ("マイナンバーカード交付率", "%", "pct", 40, None), ("窓口の平均待ち時間", "分", "lb", 25, None),
    ("窓口来庁者数", "人", "lb", 60000, None), ("オンライン相談の実施件数", "件", "hb", 200, None),
    ("AIチャットボットの応答件数", "件", "hb", 8000, None), ("公式LINEアカウントの登録者数", "人", "hb", 10000, None),
    ("公共施設予約システムの利用件数", "件", "hb", 6000, None), ("行政手続の平均処理日数", "日", "lb", 14, None),
    ("行政サービスのデジタル化に対する住民満足度", "%", "pct", 45, None),
    ("記入不備による申請書の差戻し件数", "件", "lb", 900, None), ("コールセンターの応答率", "%", "pct", 70, None),
    # 1-3 情報発信とデータ活用
    ("オープンデータの公開データセット数", "件", "hb", 40, None), ("ホームページのアクセス件数", "件", "hb", 200000, None),
    ("SNSによる情報発信回数", "回", "hb", 300, None), ("防災アプリの登録者数", "人", "hb", 5000, None),
    ("推奨データセットの公開数", "件", "hb", 8, None), ("ウェブアクセシビリティ適合ページ率", "%", "pct", 50, None),
    ("統計データの機械判読形式での公開率", "%", "pct", 30, None), ("オープンデータの利活用事例数", "件", "h0", 10, None),
    ("地域ポータルサイトの月間閲覧数", "件/月", "hb", 20000, None), ("広報紙の電子配信登録者数", "人", "hb", 2000, None),
    ("住民アンケートのオンライン回答率", "%", "pct", 25, None),
    # 2-1 庁内業務の効率化
    ("RPA導入により削減した作業時間", "時間", "hb", 500, None), ("AI-OCRによる読取枚数", "枚", "hb", 20000, None),
    ("年間用紙使用量", "千枚", "lb", 3000, None), ("ペーパーレス会議の実施率", "%", "pct", 30, None),
    ("庁内のWeb会議の開催件数", "件", "hb", 500, None), ("ビジネスチャットの利用者数", "人", "hb", 300, None),
    ("ローコードツールで作成した業務アプリ数", "件", "h0", 15, None),
    ("基幹業務システム標準化の移行完了率", "%", "pct", 10, None), ("クラウドサービスを利用するシステム数", "件", "hb", 10, None),
    ("職員一人当たりの月平均時間外勤務時間", "時間", "lb", 15, None), ("電子決裁率", "%", "pct", 40, None),
    # 2-2 働き方改革
    ("テレワーク実施者数", "人", "h0", 300, None), ("テレワーク実施率", "%", "pct", 10, None),
    ("フレックスタイム制度の利用者数", "人", "hb", 80, None), ("サテライトオフィスの利用件数", "件", "hb", 100, None),
    ("モバイル端末の配備台数", "台", "hb", 200, None), ("男性職員の育児休業取得率", "%", "pct", 20, None),
    ("年次休暇の平均取得日数", "日", "hb", 11, None), ("職員の離職率", "%", "pctl", 5, None),
    ("オンライン研修の受講者数", "人", "hb", 400, None), ("デジタル関連資格を取得した職員数", "人", "hb", 20, None),
    ("業務改善の提案件数", "件", "inc", 40, None),
    # 2-3 デジタル人材の育成
    ("DX研修を受講した職員数", "人", "hb", 300, None), ("デジタル推進リーダーの育成数", "人", "h0", 20, None),
    ("外部デジタル人材の登用数", "人", "h0", 3, None), ("情報セキュリティ研修の受講率", "%", "pct", 70, None),
    ("標的型メール訓練の開封率", "%", "pctl", 12, None), ("情報セキュリティインシデント件数", "件", "dec", 10, None),
    ("データ分析研修の受講者数", "人", "hb", 50, None), ("CIO補佐官の設置", None, "qual", 0, "CIO補佐官の設置"),
    ("DX推進計画の策定", None, "qual", 0, "計画の策定・公表"),
    ("全庁的なDX推進体制の整備", None, "qual", 0, "推進本部の設置"), ("情報政策部門の職員数", "人", "inc", 8, None),
    # 3-1 教育・子育て
    ("1人1台端末の持ち帰り学習実施率", "%", "pct", 30, None), ("校務支援システムの導入校数", "校", "hb", 10, None),
    ("オンライン授業の実施回数", "回", "hb", 200, None), ("ICT支援員の配置人数", "人", "hb", 5, None),
    ("電子母子手帳アプリの登録者数", "人", "hb", 800, None), ("保育所入所のオンライン申請率", "%", "pct", 10, None),
    ("学校の無線LAN整備率", "%", "pct", 60, None), ("プログラミング教育の授業実施時間", "時間", "hb", 300, None),
    ("デジタル教科書の活用率", "%", "pct", 20, None), ("子育て支援アプリの利用者数", "人", "hb", 1500, None),
    ("ICT活用指導力を持つ教員の割合", "%", "pct", 65, None),
    # 3-2 医療・福祉・防災
    ("オンライン診療に対応する医療機関数", "施設", "hb", 5, None), ("ICT機器を導入した介護事業所数", "箇所", "hb", 10, None),
    ("見守りセンサーの設置世帯数", "世帯", "hb", 100, None), ("防災メールの登録者数", "人", "hb", 8000, None),
    ("避難所の公衆無線LAN整備箇所数", "箇所", "hb", 15, None), ("河川監視カメラの設置箇所数", "箇所", "hb", 5, None),
    ("救急搬送の平均所要時間", "分", "lb", 40, None), ("特定健診のオンライン予約率", "%", "pct", 10, None),
    ("地域医療連携ネットワークの参加施設数", "施設", "hb", 20, None), ("高齢者向けスマホ教室の参加者数", "人", "hb", 100, None),
    ("避難行動要支援者名簿の電子化率", "%", "pct", 40, None),
    # 3-3 産業・まちづくり
    ("スマート農業技術を導入した経営体数", "経営体", "hb", 20, None), ("中小企業のDX支援件数", "件", "hb", 30, None),
    ("IT関連の創業支援件数", "件", "hb", 10, None), ("キャッシュレス決済を導入した店舗数", "店舗", "hb", 300, None),
    ("光ファイバの世帯カバー率", "%", "pct", 90, None), ("デジタル地域通貨の利用者数", "人", "h0", 2000, None),
    ("シェアサイクルの利用回数", "回", "hb", 5000, None), ("観光アプリのダウンロード数", "件", "hb", 3000, None),
    ("オンデマンド交通の運行日数", "日", "h0", 30, None), ("ドローン活用の実証件数", "件", "h0", 5, None),
    ("デジタル活用支援講座の参加者数", "人", "inc", 200, None),
    ("公衆無線LANのアクセスポイント数", "箇所", "hb", 20, None),
)
# the pillar and item of each catalogue entry, in order: eleven per item, twelve in the last
_ITEM_SIZES = (11, 11, 11, 11, 11, 11, 11, 11, 12)
_PLACES = tuple((k // 3 + 1, k % 3 + 1) for k, size in enumerate(_ITEM_SIZES) for _ in range(size))
assert len(_PLACES) == len(CATALOGUE) == 100


def catalogue_frame(n: int) -> pl.DataFrame:
    """n indicator templates: spread evenly over the catalogue when n <= 100, repeated with a suffix beyond."""
    total = len(CATALOGUE)
    rows = []
    for i in range(n):
        rnd, pos = divmod(i, total) if n > total else (0, i * total // n)
        name, unit, kind, base, qual = CATALOGUE[pos]
        pillar, item = _PLACES[pos]
        rows.append({"t_no": i + 1, "t_code": f"P{pillar}-{item}-{pos + 1:03d}" + (f"-{rnd + 1}" if rnd else ""),
                     "name": name + (f"（その{rnd + 1}）" if rnd else ""), "unit": unit, "kind": kind,
                     "base": float(base), "qual_text": qual, "pillar": pillar, "item": item})
    return pl.DataFrame(rows, schema={"t_no": pl.Int32, "t_code": pl.String, "name": pl.String, "unit": pl.String,
                                      "kind": pl.String, "base": pl.Float64, "qual_text": pl.String,
                                      "pillar": pl.Int32, "item": pl.Int32})


def _check_digit(code5: str) -> str:
    """The check digit of a local government code (全国地方公共団体コード)."""
    s = sum(int(d) * w for d, w in zip(code5, (6, 5, 4, 3, 2)))
    return str((11 - s % 11) % 10)


def _allocate(total: int, weights: list[int]) -> list[int]:
    """Split total over weights by largest remainder."""
    w = sum(weights)
    raw = [total * x / w for x in weights]
    out = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[: total - sum(out)]:
        out[i] += 1
    return out


def organizations(orgs: int = NATIONAL_ORGS, seed: int = 0) -> pl.DataFrame:
    """Generated local governments: code, name, kind (prefecture / municipality) and a size factor.

    1,788 gives the 47 prefectures and 1,741 municipalities spread as in reality; fewer keep the same
    proportions (at least one prefecture).
    """
    if orgs < 1:
        raise ValueError("団体数は1以上を指定してください")
    n_pref = min(47, max(1, round(orgs * 47 / NATIONAL_ORGS)))
    per_pref = _allocate(orgs - n_pref, [n for _, n in PREFECTURES])
    combos = [h + t for h in _HEAD for t in _TAIL if h != t]
    rows = []
    for p, ((pref, real), n) in enumerate(zip(PREFECTURES, per_pref), start=1):
        rng = random.Random(f"{seed}-{p}")
        if p <= n_pref:
            c5 = f"{p:02d}000"
            rows.append({"code": c5 + _check_digit(c5), "name": pref, "kind": "prefecture", "pref": pref,
                         "size": 8.0 + 12.0 * rng.random()})
        roots = rng.sample(combos, min(n, len(combos))) if n else []
        wards = 23 if pref == "東京都" else 0
        cities = wards + round((real - wards) * 0.46)
        towns = cities + round((real - wards) * 0.43)
        for j in range(n):
            root = roots[j % len(roots)] + (str(j // len(roots) + 1) if j >= len(roots) else "")
            if j < wards:
                suffix, num = "区", 101 + j
            elif j < cities:
                suffix, num = "市", 201 + j - wards
            elif j < towns:
                suffix, num = "町", 300 + j - cities + 1
            else:
                suffix, num = "村", 500 + j - towns + 1
            c5 = f"{p:02d}{num % 1000:03d}"
            size = 0.15 + 3.0 * rng.random() ** 3 * (2.0 if suffix in "市区" else 0.6)
            rows.append({"code": c5 + _check_digit(c5), "name": f"{pref}{root}{suffix}", "kind": "municipality",
                         "pref": pref, "size": size})
    df = pl.DataFrame(rows)
    # codes beyond the real numbering (only when asked for more than the real count) stay unique
    return df.with_columns(pl.when(pl.col("code").is_duplicated())
                           .then(pl.col("code") + pl.int_range(pl.len()).cast(pl.String))
                           .otherwise(pl.col("code")).alias("code"))

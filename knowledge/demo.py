"""Demo knowledge base: ~30 articles (Japanese and English), required reading, an onboarding
plan, retrospectives on launched demo campaigns, a martech stack catalog and a roadmap.

Idempotent: articles are keyed by title, tools by name; a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from campaigns.models import CampaignRequest, CampaignType, State
from governance import roles

from . import onboarding, retrospectives, services, stack
from .models import (
    Article,
    OnboardingPlan,
    OnboardingStep,
    RequiredReading,
    Retrospective,
    RoadmapEntry,
    Status,
    Tool,
    Visibility,
)

# title, category, tags, campaign type slugs, task type slugs, body
ARTICLES: list[tuple[str, str, list[str], list[str], list[str], str]] = [
    (
        "依頼フォーム運用ルール",
        "rules",
        ["ルール", "依頼フォーム"],
        [],
        ["brief"],
        """
すべてのキャンペーンは **依頼フォーム** から申請します。チャットやメールでの依頼は受け付けません。

## なぜフォームなのか
- すべての施策を同じ形式で記録し、リードタイム・ROIを比較できるようにするため
- 承認者が目標・KPI・ROIの根拠を同じ観点で確認できるようにするため

## 必須項目
| 項目 | 書き方のポイント |
|---|---|
| 目的 | 「誰に」「何を」「どうしてほしいか」を1〜2文で |
| 目標KPI | リード・MQL・SQL・パイプラインを数値で |
| 期待ROI | 過去の同種施策の実績を根拠に |
| ローンチ希望日 | 各タスクのSLAから逆算して余裕を持つ |

差し戻しを受けたら、指摘箇所を修正して再提出してください。変更点は自動で記録されます。
""",
    ),
    (
        "SLAとリードタイムの基準",
        "rules",
        ["SLA", "ルール"],
        [],
        ["lp", "email", "design"],
        """
各タスク種別には標準リードタイム(営業日)があります。例: **LP制作 5営業日**、**メール作成 3営業日**、**デザイン素材 5営業日**。

- 営業日は会社カレンダー(土日・祝日・年末年始 12/29〜1/3 を除く)で数えます。
- 依頼者の回答待ちの間はSLAの時計が止まります。
- 残り時間が少なくなると「リスク」、期限を過ぎると「超過」となり、担当者とMOpsに通知されます。

ローンチ日から逆算すると、9月第2週のウェビナーのLPは7月中に完成している必要があります。
""",
    ),
    (
        "承認フローとガバナンスモデル",
        "rules",
        ["承認", "ガバナンス"],
        [],
        [],
        """
承認者はガバナンスモデルによって変わります。

1. **中央集権型**: CMOがすべて承認
2. **ハイブリッド型**: 予算が閾値未満は事業部長、閾値以上はCMO
3. **分散型**: 各事業部長が承認、本社は閲覧のみ

却下・差し戻しには必ず理由を記入してください。理由は依頼者に通知され、履歴に残ります。
""",
    ),
    (
        "ブランドガイドライン概要",
        "rules",
        ["ブランド", "デザイン"],
        [],
        ["design", "ad-creative"],
        """
ロゴ、カラー、トーン&マナーの基本ルールです。詳細版は添付のPDFを参照してください。

- ロゴの周囲にはロゴ高さの50%以上の余白を確保する
- メインカラーは **#2458A6**、アクセントは必要最小限に
- 事業部独自のメッセージは可。ただしブランドレビューは必須(ハイブリッド型)
""",
    ),
    (
        "個人情報とオプトインの取り扱い",
        "rules",
        ["コンプライアンス", "メール"],
        ["email-nurture", "webinar"],
        ["list", "email"],
        """
メール配信リストは **オプトイン取得済み** の連絡先のみから抽出します。

- 名刺交換のみの連絡先には、初回に配信停止リンク付きの案内を1通だけ送る
- 配信停止は即日反映(MAツールとCRMの両方)
- 個人情報を含むCSVをチャットに貼らない。共有はMAツール上のリストで行う
""",
    ),
    (
        "ウェビナー運営プレイブック",
        "playbook",
        ["ウェビナー", "プレイブック"],
        ["webinar"],
        ["lp", "form", "email", "nurture"],
        """
ウェビナーの企画から集客、当日運営、フォローアップまでの標準手順です。

## タイムライン(開催日 = D)
| 時期 | やること | 担当 |
|---|---|---|
| D-6週 | 企画書・登壇者確定 | 依頼者 |
| D-5週 | LP・申込フォーム制作依頼 | MOps / Web |
| D-4週 | 告知メール第1弾、広告開始 | MOps |
| D-1週 | リマインド、リハーサル | 依頼者 |
| D+2日 | アンケート・アーカイブ配信 | MOps |

## 集客のコツ
- 告知は4週間前から。申込の4割は最後の1週間に集まります
- 申込フォームの項目は5つ以内に

## 計測
UTMは「UTMパラメータ命名規則」に従ってください。
""",
    ),
    (
        "展示会出展プレイブック",
        "playbook",
        ["展示会", "プレイブック"],
        ["trade-show"],
        ["booth", "design", "nurture"],
        """
展示会は準備期間が長く、費用も大きい施策です。出展の3か月前から準備します。

1. 出展判断: 過去の来場者属性とICP適合度を確認
2. ブース・備品の手配(リードタイム10営業日)
3. 名刺スキャン(Sansan)→ CRMへの取り込みは **終了後48時間以内**
4. お礼メールは会期終了の翌営業日に配信

```text
リード区分: A=商談希望 / B=情報収集 / C=その他
```
""",
    ),
    (
        "Email nurture playbook",
        "playbook",
        ["email", "nurture", "playbook"],
        ["email-nurture"],
        ["email", "list", "nurture"],
        """
How we run nurture programs in the MA tool.

## Structure
- **Track**: one persona x one stage (e.g. IT manager, consideration)
- **Cadence**: one email every 7-10 days, at most 6 emails per track
- **Exit**: the lead becomes an MQL (score >= 60) or unsubscribes

## Scoring
| Signal | Points |
|---|---|
| Webinar attended | +20 |
| Pricing page visit | +15 |
| White paper download | +10 |

MQLs are handed to sales in Salesforce within one business day.
""",
    ),
    (
        "広告運用プレイブック",
        "playbook",
        ["広告", "プレイブック"],
        ["paid-ads"],
        ["ad-creative", "ad-setup", "tracking"],
        """
リスティング広告・SNS広告で見込み客を集客するための標準手順です。

- 予算配分: 検索60% / SNS30% / テスト10%
- クリエイティブは最低3パターンで開始し、2週間でCTRの低いものを停止
- CPAの目標は過去実績の中央値。大きく外れたら週次で見直し
- 入稿前に「広告入稿チェックリスト」を必ず確認
""",
    ),
    (
        "ホワイトペーパー制作プレイブック",
        "playbook",
        ["コンテンツ", "ホワイトペーパー"],
        ["content"],
        ["whitepaper", "lp", "design"],
        """
ホワイトペーパーはリード獲得の柱です。執筆に10営業日、デザインに5営業日を見込みます。

1. テーマ選定: 営業がよく受ける質問から
2. 構成案レビュー(依頼者・MOps)
3. 執筆 → 校正 → デザイン
4. ダウンロードLPとフォーム設定、ナーチャリングへの接続
""",
    ),
    (
        "Product launch playbook",
        "playbook",
        ["launch", "playbook"],
        ["product-launch"],
        ["press", "sales-kit", "lp", "email"],
        """
A product launch touches every team: plan it like a project.

## Checklist
- [ ] Positioning and messaging approved (product marketing)
- [ ] Press release scheduled (5 business days lead time)
- [ ] Sales enablement kit delivered one week before launch
- [ ] Launch page and announcement email tested
- [ ] Results report two weeks after launch

Keep one owner for the launch date; every task's SLA is planned back from it.
""",
    ),
    (
        "ウェビナー集客は4週間前の告知から",
        "best_practice",
        ["ウェビナー", "集客", "ベストプラクティス"],
        ["webinar"],
        [],
        """
過去12回のウェビナーを分析した結果、**告知開始が開催4週間前以前** の回は、2週間前開始の回に比べて申込数が平均1.6倍でした。

- 4週間前: 告知メール + 広告
- 2週間前: 既存顧客向け案内
- 前日: リマインド

集客が伸びないときは、タイトルに具体的な数字や事例企業名を入れると改善する傾向があります。
""",
    ),
    (
        "Trade show leads: follow up within 48 hours",
        "best_practice",
        ["trade show", "follow-up"],
        ["trade-show"],
        ["nurture"],
        """
Leads contacted within 48 hours of a trade show converted to meetings at **2.3x** the rate of leads contacted after a week.

1. Scan cards on site (Sansan) every evening
2. Import to CRM the next morning
3. Sales calls A-leads within 48 hours; B/C leads enter nurture
""",
    ),
    (
        "ホワイトペーパーLPのフォーム項目は5つまで",
        "best_practice",
        ["コンテンツ", "フォーム"],
        ["content"],
        ["form"],
        """
フォーム項目を9項目から5項目に減らしたところ、CVRが3.1%から4.8%に改善しました。
必須: 会社名・氏名・メール・部署・役職。その他の情報はナーチャリングの中で取得します。
""",
    ),
    (
        "LP公開手順",
        "howto",
        ["LP", "Web"],
        [],
        ["lp", "form", "qa"],
        """
1. CMSでテンプレートを複製し、URLは `/lp/<年>/<施策名>` とする
2. フォームはMAツールのフォームを埋め込む
3. OGP画像・noindex設定を確認
4. QA(表示崩れ、スマホ、フォーム送信テスト)
5. 公開後、GA4でページビューが計測されていることを確認
""",
    ),
    (
        "メール配信テスト手順",
        "howto",
        ["メール", "QA"],
        ["email-nurture"],
        ["email", "qa"],
        """
- テスト配信は最低2名(依頼者・MOps)に送る
- 件名・差出人・プリヘッダー・リンク・配信停止リンクを確認
- Gmail / Outlook / スマホで表示を確認
- 本番配信は平日10時〜11時を推奨
""",
    ),
    (
        "UTMパラメータ命名規則",
        "howto",
        ["計測", "UTM"],
        [],
        ["tracking"],
        """
| パラメータ | ルール | 例 |
|---|---|---|
| utm_source | 媒体名(小文字) | google, facebook, newsletter |
| utm_medium | 種類 | cpc, email, social |
| utm_campaign | 施策ID_施策名 | 2024q3_webinar_ai |

スペース・日本語は使わず、単語はアンダースコアでつなぎます。
""",
    ),
    (
        "広告入稿チェックリスト",
        "howto",
        ["広告", "チェックリスト"],
        ["paid-ads"],
        ["ad-setup"],
        """
- [ ] 予算・期間・ターゲティングが依頼内容と一致
- [ ] UTMが命名規則どおり
- [ ] 遷移先LPが公開済み
- [ ] コンバージョンタグの発火を確認
""",
    ),
    (
        "Marketo 基本操作ガイド",
        "tool_guide",
        ["Marketo", "MA"],
        ["email-nurture", "webinar"],
        ["email", "list"],
        """
## よく使う操作
- **スマートリスト**: 条件でリードを抽出(例: 過去90日にウェビナー参加)
- **メールプログラム**: テスト配信 → 承認 → 予約
- **エンゲージメントプログラム**: ナーチャリングのトラック管理

プログラム名は `年Q_種別_施策名` に統一してください。
""",
    ),
    (
        "Salesforce キャンペーン連携ガイド",
        "tool_guide",
        ["Salesforce", "CRM"],
        [],
        ["crm"],
        """
MAツールのプログラムとSalesforceキャンペーンを1対1で連携します。

- キャンペーンメンバーの状況: 登録 / 参加 / 欠席
- 商談のキャンペーンソースは最初の接点(ファーストタッチ)
- パイプライン・受注金額はキャンペーンの「影響を受けた商談」で確認
""",
    ),
    (
        "Sansan 名刺データ取り込み手順",
        "tool_guide",
        ["Sansan", "展示会"],
        ["trade-show"],
        ["list"],
        """
1. 展示会名のタグを付けてスキャン
2. 翌朝、MOpsがCSVをエクスポートしMAツールへインポート
3. 重複はメールアドレスで統合、オプトイン状態を確認
""",
    ),
    (
        "Google Analytics 4 イベント設計",
        "tool_guide",
        ["GA4", "計測"],
        [],
        ["tracking", "report"],
        """
主要なコンバージョンはGA4のキーイベントとして設定します。

| イベント | 説明 |
|---|---|
| form_submit | フォーム送信 |
| file_download | 資料ダウンロード |
| webinar_register | ウェビナー申込 |
""",
    ),
    (
        "Looker Studio dashboard guide",
        "tool_guide",
        ["Looker Studio", "dashboard"],
        [],
        ["report"],
        """
The MOps dashboard combines GA4, the MA tool and Salesforce.

- **Funnel page**: leads -> MQL -> SQL -> won, by campaign type
- **Spend page**: cost per lead / MQL / SQL by channel
- Data refreshes every morning at 6:00 JST
""",
    ),
    (
        "Zoom Webinars 設定ガイド",
        "tool_guide",
        ["Zoom", "ウェビナー"],
        ["webinar"],
        ["form"],
        """
- 登録はMAツールのフォームで受け付け、Zoomへは連携で自動登録
- パネリストには開催3日前までに招待を送る
- 録画はクラウド保存、アーカイブ配信は開催2日後まで
""",
    ),
    (
        "Canva テンプレートの使い方",
        "tool_guide",
        ["Canva", "デザイン"],
        ["paid-ads", "webinar"],
        ["design", "ad-creative"],
        """
ブランドキットに登録されたテンプレートのみ使用します。バナーのサイズは媒体ごとに用意済みです。
新しいテンプレートが必要な場合はデザイナーに依頼してください。
""",
    ),
    (
        "MOpsチームへようこそ",
        "onboarding",
        ["オンボーディング"],
        [],
        [],
        """
MOpsチームの役割は、マーケティング施策を **速く・確実に・測れる形で** 届けることです。

最初の1〜3か月はこのナレッジベースの必読記事を読み、確認問題に答えてください。
分からないことはSlackの #mops-help へ。
""",
    ),
    (
        "最初の30日チェックリスト",
        "onboarding",
        ["オンボーディング", "チェックリスト"],
        [],
        [],
        """
- [ ] 依頼フォーム運用ルールを読む
- [ ] SLAとリードタイムの基準を読む
- [ ] 過去のキャンペーンを3件読み、振り返りを確認する
- [ ] Marketo・Salesforceのアカウントを受け取る
- [ ] 先輩の施策に1件同行する
""",
    ),
    (
        "マーケティング用語集(MQL・SQL・ICP)",
        "onboarding",
        ["用語集"],
        [],
        [],
        """
| 用語 | 意味 |
|---|---|
| MQL | マーケティングが商談化の見込みありと判定したリード |
| SQL | 営業が商談化すると判断したリード |
| ICP | 理想的な顧客像 |
| 良い売上 | 継続して利益を生む顧客からの売上 |
""",
    ),
    (
        "マーケティングカレンダーの運用",
        "calendar",
        ["カレンダー"],
        [],
        [],
        """
6〜12か月先までの施策を一覧にしたものがマーケティングカレンダーです。
承認済みの依頼は自動的に載ります。大型施策(展示会・製品ローンチ)は四半期初めに確定させます。
""",
    ),
    (
        "MOps体制と問い合わせ窓口",
        "org",
        ["組織"],
        [],
        [],
        """
| 担当 | 内容 |
|---|---|
| MOpsマネージャー | 優先順位、SLA、四半期レビュー |
| MOpsエンジニア | MA・CRM設定、データ連携 |
| デザイナー | バナー・資料デザイン |
| Web担当 | LP・フォーム |
""",
    ),
]

UNIT_ARTICLE = (
    "大阪支社 展示会運営メモ",
    "best_practice",
    ["展示会", "大阪"],
    ["trade-show"],
    [],
    """
大阪支社独自の運用メモです(支社内限定)。関西の展示会は2日目午後の来場が多いため、説明員を厚めに配置します。
""",
)
DRAFT_ARTICLE = (
    "APAC webinar localisation (draft)",
    "playbook",
    ["APAC", "webinar"],
    ["webinar"],
    [],
    """
Draft: time zones, subtitles and local speakers for APAC webinars.
""",
)
ARCHIVED_ARTICLE = (
    "旧MAツール(Pardot)運用ガイド",
    "tool_guide",
    ["Pardot", "廃止"],
    [],
    [],
    """
2023年にMarketoへ移行したため、このガイドはアーカイブされています。
""",
)

REQUIRED = {
    "依頼フォーム運用ルール": [roles.REQUESTER, roles.MOPS, roles.SPECIALIST],
    "SLAとリードタイムの基準": [roles.REQUESTER, roles.MOPS, roles.SPECIALIST],
    "承認フローとガバナンスモデル": [roles.APPROVER, roles.REQUESTER],
    "ブランドガイドライン概要": [roles.SPECIALIST],
    "個人情報とオプトインの取り扱い": [roles.REQUESTER, roles.MOPS],
}

ONBOARDING = [
    (
        "MOpsチームへようこそ",
        1,
        "MOpsチームの役割として正しいものは?",
        ["施策を速く・確実に・測れる形で届ける", "広告の予算を決める", "営業の商談を管理する"],
        0,
    ),
    ("依頼フォーム運用ルール", 1, "キャンペーンの依頼はどこから出しますか?", ["チャット", "依頼フォーム", "メール"], 1),
    ("SLAとリードタイムの基準", 2, "依頼者の回答待ちの間、SLAの時計は?", ["進み続ける", "止まる", "2倍速で進む"], 1),
    (
        "個人情報とオプトインの取り扱い",
        2,
        "メール配信リストの条件は?",
        ["名刺交換した全員", "オプトイン取得済みの連絡先", "Webサイト訪問者"],
        1,
    ),
    (
        "マーケティング用語集(MQL・SQL・ICP)",
        3,
        "SQLとは?",
        ["営業が商談化すると判断したリード", "メール開封者", "展示会来場者"],
        0,
    ),
]

# name, vendor, category, owner, seats, annual cost (JPY), renewal in days, status, related article titles
TOOLS = [
    (
        "Marketo Engage",
        "Adobe",
        "ma",
        "mops",
        8,
        7_200_000,
        45,
        "in_use",
        ["Marketo 基本操作ガイド", "Email nurture playbook"],
    ),
    ("HubSpot Marketing Hub", "HubSpot", "ma", "mops", 3, 1_440_000, 120, "evaluating", []),
    (
        "Salesforce Sales Cloud",
        "Salesforce",
        "crm",
        "admin",
        40,
        9_600_000,
        200,
        "in_use",
        ["Salesforce キャンペーン連携ガイド"],
    ),
    ("Sansan", "Sansan", "data", "mops", 30, 2_400_000, 75, "in_use", ["Sansan 名刺データ取り込み手順"]),
    ("Google Analytics 4", "Google", "analytics", "webdev", 10, 0, None, "in_use", ["Google Analytics 4 イベント設計"]),
    ("Looker Studio", "Google", "bi", "mops", 10, 0, None, "in_use", ["Looker Studio dashboard guide"]),
    ("Zoom Webinars", "Zoom", "webinar", "mops", 2, 540_000, 30, "in_use", ["Zoom Webinars 設定ガイド"]),
    ("Canva Teams", "Canva", "design", "designer", 6, 180_000, 300, "in_use", ["Canva テンプレートの使い方"]),
    ("Slack", "Salesforce", "collaboration", "admin", 60, 1_300_000, 150, "in_use", []),
    ("WordPress (managed)", "WP Engine", "cms", "webdev", 4, 600_000, 90, "in_use", ["LP公開手順"]),
    ("Pardot", "Salesforce", "ma", "mops", 0, 3_000_000, None, "retired", ["旧MAツール(Pardot)運用ガイド"]),
]

ROADMAP = [
    (
        "MAツールの比較評価(Marketo・HubSpot)",
        "replace",
        "1y",
        "HubSpot Marketing Hub",
        180,
        2_000_000,
        "契約更新前にコストと機能を比較。移行する場合は半年計画。",
    ),
    ("ウェビナー配信基盤の統合", "consolidate", "1y", "Zoom Webinars", 270, 300_000, "事業部ごとの個別契約を1本化。"),
    ("CDP導入の検討", "adopt", "3y", None, 720, 0, "Web行動データとCRMの統合。"),
    ("MA・CRMの全社統合基盤", "expand", "5y", "Salesforce Sales Cloud", 1500, 0, "APACを含むグローバル基盤へ。"),
]

RETROS = [
    (
        "LPのA/Bテストで申込率が1.4倍。登壇者の事例紹介が好評だった。",
        "告知開始が開催3週間前で集客が伸び悩んだ。",
        "告知は4週間前から。リマインドメールを前日と当日朝の2回に。",
    ),
    (
        "名刺スキャンを当日中に終え、48時間以内に全件フォローできた。",
        "ブース説明員が2日目午後に不足した。",
        "説明員のシフトを来場ピークに合わせる。",
    ),
    ("ナーチャリング経由のMQLが目標の120%。", "配信停止率が想定より高かった(1.8%)。", "配信頻度を10日に1通へ下げる。"),
]


def _article(spec, by, *, publish=True, unit=None, visibility=Visibility.EVERYONE, owner=None) -> Article:
    title, category, tags, ctypes, ttypes, body = spec
    existing = Article.objects.filter(title=title).first()
    if existing:
        return existing
    from tasks.models import TaskType

    return services.article_create(
        by=by,
        owner=owner,
        title=title,
        body=body.strip() + "\n",
        category=category,
        tags=tags,
        campaign_types=list(CampaignType.objects.filter(slug__in=ctypes)),
        task_types=list(TaskType.objects.filter(slug__in=ttypes)),
        publish=publish,
        unit=unit,
        visibility=visibility,
        review_by=timezone.localdate() + dt.timedelta(days=180),
        comment="デモデータ",
    )


def seed_knowledge(users: dict, units: dict) -> int:
    """Create the demo knowledge base; returns the number of new articles (0 on a second run)."""
    mops, admin = users["mops"], users["admin"]
    before = Article.objects.count()
    articles = {spec[0]: _article(spec, mops) for spec in ARTICLES}
    _article(UNIT_ARTICLE, admin, unit=units["osaka"], visibility=Visibility.UNIT, owner=users["marketer2"])
    _article(DRAFT_ARTICLE, mops, publish=False)
    archived = _article(ARCHIVED_ARTICLE, mops)
    if archived.status != Status.ARCHIVED:
        services.article_archive(article_id=archived.pk, by=mops)
    articles[archived.title] = archived
    # One article with history: a minor fix and a major revision (required readers re-read).
    sla = articles["SLAとリードタイムの基準"]
    if sla.version_number == 1:
        services.article_update(
            article_id=sla.pk, by=mops, body=sla.body.replace("例: ", "例えば: "), comment="表現の修正"
        )

    for title, role_names in REQUIRED.items():
        for role in role_names:
            if not RequiredReading.objects.filter(article=articles[title], role=role).exists():
                services.requirement_add(article_id=articles[title].pk, by=mops, role=role)
    # The marketer has read some required articles already.
    for title in ("依頼フォーム運用ルール", "承認フローとガバナンスモデル"):
        services.receipt_record(article_id=articles[title].pk, by=users["marketer"])

    plan, _ = OnboardingPlan.objects.get_or_create(
        role=roles.REQUESTER,
        name="マーケター向けオンボーディング(最初の3週間)",
        defaults={
            "description": "依頼の出し方、SLA、データの扱いを3週間で学びます。各記事の確認問題に正解すると完了です。"
        },
    )
    if not plan.steps.exists():
        for i, (title, week, question, choices, correct) in enumerate(ONBOARDING):
            OnboardingStep.objects.create(
                plan=plan,
                article=articles[title],
                order=i,
                week=week,
                question=question,
                choices=choices,
                correct_choice=correct,
            )
    enrollment = onboarding.enrollment_start(plan_id=plan.pk, user=users["marketer2"], by=mops)
    if not enrollment.progress.exists():
        first_two = list(plan.steps.order_by("order")[:2])
        onboarding.step_answer(
            step_id=first_two[0].pk, choice=(first_two[0].correct_choice + 1) % 3, by=users["marketer2"]
        )
        for step in first_two:
            onboarding.step_answer(step_id=step.pk, choice=step.correct_choice, by=users["marketer2"])

    today = timezone.localdate()
    for name, vendor, category, owner, seats, cost, renew_in, status, article_titles in TOOLS:
        if Tool.objects.filter(name=name).exists():
            continue
        tool = stack.tool_save(
            by=mops,
            name=name,
            vendor=vendor,
            category=category,
            owner=users[owner],
            seats=seats,
            annual_cost=Decimal(cost),
            renewal_date=today + dt.timedelta(days=renew_in) if renew_in else None,
            status=status,
            articles=[articles[t] for t in article_titles if t in articles],
        )
        tool.users.set([u for u in users.values()][: max(1, min(seats, len(users)))])
    if not RoadmapEntry.objects.exists():
        for title, action, horizon, tool_name, in_days, saving, notes in ROADMAP:
            stack.roadmap_save(
                by=mops,
                title=title,
                action=action,
                horizon=horizon,
                tool=Tool.objects.filter(name=tool_name).first() if tool_name else None,
                target_date=today + dt.timedelta(days=in_days),
                expected_saving=Decimal(saving),
                notes=notes,
                owner=mops,
            )

    launched = (
        CampaignRequest.objects.filter(state__in=[State.LAUNCHED, State.CLOSED])
        .select_related("campaign_type", "requester")
        .order_by("launched_at", "id")
    )
    if not Retrospective.objects.exists():
        seen_types = set()
        picked = []
        for campaign in launched:
            if campaign.campaign_type_id not in seen_types:
                seen_types.add(campaign.campaign_type_id)
                picked.append(campaign)
            if len(picked) == len(RETROS):
                break
        for campaign, (worked, did_not, change) in zip(picked, RETROS, strict=False):
            retrospectives.retrospective_save(
                campaign_id=campaign.pk,
                by=campaign.requester,
                what_worked=worked,
                what_did_not=did_not,
                what_to_change=change,
            )
        first = Retrospective.objects.order_by("id").first()
        if first:
            retrospectives.retrospective_promote(retrospective_id=first.pk, by=mops, publish=True)
    return Article.objects.count() - before

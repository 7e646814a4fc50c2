#include "main/demo.hpp"

#include <algorithm>

#include "core/webhooks/webhooks.hpp"

#include "core/engage/engage.hpp"
#include "core/tenancy/site_rules.hpp"

namespace otk {
namespace {

// The internet provider's proactive set-up: a poll for the visitor who lingers on the home page, a teaser for
// the one comparing tariffs, a greeting for subscribers who come from the newsletter, and the FAQ bot.
constexpr const char* kServiceEngage = R"({
  "triggers": [
    {"id": "what-brings-you", "match": "all",
     "conditions": [{"type": "url", "pattern": "/demo/service"}, {"type": "time_on_page", "min_seconds": 20}],
     "action": {"type": "poll", "question": "Что привело вас к нам сегодня?",
                "options": ["Хочу подключиться", "Сменить тариф", "Что-то не работает"]}},
    {"id": "tariffs", "match": "all",
     "conditions": [{"type": "pages_viewed", "min": 2}, {"type": "time_on_site", "min_seconds": 40}],
     "action": {"type": "teaser", "text": "Сравниваете тарифы? Спросите бота — он знает, что есть в вашем доме."}}
  ],
  "campaign": {"medium": "email", "greeting": "Рады, что заглянули из письма! Спросите про зимний тариф — расскажем всё."},
  "bot": {"enabled": true, "name": "Робот Сигнал", "threshold": 0.5}
})";

struct Faq {
  const char* question;
  std::vector<std::string> phrasings;
  const char* answer;
};

const Faq kServiceFaq[] = {
    {"Сколько стоит интернет?", {"Какие у вас тарифы?", "Цена подключения", "Тарифы на интернет"},
     "Тарифы от 450 ₽ в месяц: «Старт» 100 Мбит/с — 450 ₽, «Дом» 500 Мбит/с — 650 ₽, «Турбо» 1 Гбит/с — 900 ₽. "
     "Подключение бесплатное."},
    {"Как быстро подключат интернет?", {"Когда придёт монтажник?", "Сроки подключения"},
     "Обычно на следующий день после заявки: монтажник звонит заранее и приходит в удобные вам два часа."},
    {"Как оплатить интернет?", {"Способы оплаты", "Можно ли платить картой?", "Автоплатёж"},
     "Картой в личном кабинете, через СБП или автоплатежом — он спишет ровно в день продления, без комиссии."},
    {"Не работает интернет, что делать?", {"Пропал интернет", "Нет соединения", "Интернет медленный"},
     "Перезагрузите роутер: выключите на 30 секунд и включите. Если не помогло — проверьте, нет ли аварии на "
     "странице «Статус сети», или позовите человека: инженер посмотрит линию."},
    {"Как настроить роутер?", {"Настройка wi-fi", "Сменить пароль от wi-fi"},
     "Откройте 192.168.0.1, войдите с данными с наклейки на роутере, раздел «Беспроводная сеть». Пароль лучше "
     "сделать не короче 12 символов."},
    {"Я переезжаю, можно перенести договор?", {"Переезд на новый адрес", "Перенос интернета"},
     "Да, бесплатно, если дом на новом адресе подключён. Напишите новый адрес — проверим."},
};

}  // namespace

Result<void> seed_demo(Storage& st, const std::vector<std::string>& origins, const std::string& password_hash,
                       TimePoint now, std::string_view echo_url) {
  auto account = st.ensure_account("Demo agency", now);
  if (!account) return std::unexpected(account.error());

  Site shop;
  shop.account = *account;
  shop.key = "demo-shop";
  shop.name = "Demo shop";
  shop.allowed_origins = origins;
  shop.language = "ru";
  shop.appearance.color = "#2f6fed";
  shop.appearance.operator_name = "Уютный дом";
  Site bikes = shop;
  bikes.key = "demo-bikes";
  bikes.name = "Demo bikes";
  bikes.appearance.color = "#0f8a5f";
  bikes.appearance.position = "left";
  bikes.appearance.operator_name = "Велокоманда";

  // The same rules as any site: a mistyped [demo] origins entry in the config stops the start with its name.
  auto clean_shop = normalize_site(std::move(shop));
  if (!clean_shop) return std::unexpected(clean_shop.error());
  auto clean_bikes = normalize_site(std::move(bikes));
  if (!clean_bikes) return std::unexpected(clean_bikes.error());
  auto shop_id = st.upsert_site(*clean_shop, now);
  if (!shop_id) return std::unexpected(shop_id.error());
  auto bikes_id = st.upsert_site(*clean_bikes, now);
  if (!bikes_id) return std::unexpected(bikes_id.error());
  auto op = st.upsert_operator(*account, kDemoEmail, "Демо Оператор", password_hash, Role::owner, now);
  if (!op) return std::unexpected(op.error());
  if (auto r = st.add_site_member(*shop_id, *op); !r) return r;
  if (auto r = st.add_site_member(*bikes_id, *op); !r) return r;
  // A second operator, so that routing, queues and hand-over can be tried with two consoles.
  auto anna = st.upsert_operator(*account, kDemoSecondEmail, "Анна Смирнова", password_hash, Role::operator_, now);
  if (!anna) return std::unexpected(anna.error());
  if (auto r = st.add_site_member(*shop_id, *anna); !r) return r;
  if (auto r = st.add_site_member(*bikes_id, *anna); !r) return r;
  // The shop has a second department: visitors from the delivery campaign go to Anna.
  auto delivery = st.upsert_department(*shop_id, "Доставка и возврат", false);
  if (!delivery) return std::unexpected(delivery.error());
  if (auto r = st.add_department_member(*delivery, *anna); !r) return r;
  // Canned replies to start from: the console offers them when an operator types "/".
  const OperatorScope owner{OperatorAccount{*op, *account, std::string(kDemoEmail), "Демо Оператор", Role::owner, ""},
                            {*shop_id, *bikes_id}};
  const std::pair<const char*, const char*> canned[] = {
      {"привет", "Здравствуйте, {visitor.name}! Меня зовут {operator.name}, я помогу. Что подсказать?"},
      {"доставка", "Доставляем по Москве за 1–2 дня, по России — за 3–7. Стоимость посчитаем, как только скажете город."},
      {"спасибо", "Спасибо, что написали в {site.name}! Если появятся вопросы — пишите, мы рядом."},
  };
  for (const auto& [shortcut, text] : canned) {
    if (auto r = st.put_canned(owner, SiteId{}, shortcut, text, now); !r) return std::unexpected(r.error());
  }
  // The third demo site: an internet provider with a polite poll, a teaser, a campaign greeting and the FAQ bot.
  Site service;
  service.account = *account;
  service.key = "demo-service";
  service.name = "Demo provider";
  service.allowed_origins = origins;
  service.language = "ru";
  service.appearance.color = "#7b3fe4";
  service.appearance.operator_name = "Сигнал";
  auto clean_service = normalize_site(std::move(service));
  if (!clean_service) return std::unexpected(clean_service.error());
  auto service_id = st.upsert_site(*clean_service, now);
  if (!service_id) return std::unexpected(service_id.error());
  if (auto r = st.add_site_member(*service_id, *op); !r) return r;
  if (auto r = st.add_site_member(*service_id, *anna); !r) return r;
  auto engage = engage_settings_from_json(std::string_view(kServiceEngage), "ru");
  if (!engage) return std::unexpected(engage.error());
  if (auto r = st.set_engage_settings(*service_id, engage_settings_to_json(*engage).dump()); !r) return r;
  auto faq = st.kb_entries(*service_id);
  if (!faq) return std::unexpected(faq.error());
  if (faq->empty()) {
    for (const auto& f : kServiceFaq) {
      auto entry = validate_kb_entry(KbEntry{0, f.question, f.phrasings, f.answer, now});
      if (!entry) return std::unexpected(entry.error());
      if (auto r = st.put_kb_entry(*service_id, *entry, now); !r) return std::unexpected(r.error());
    }
  }

  if (!echo_url.empty()) {  // the Integrations tab has an endpoint with a delivery log to show
    auto hooks = st.webhook_endpoints(owner);
    if (!hooks) return std::unexpected(hooks.error());
    if (std::ranges::none_of(*hooks, [&](const WebhookEndpoint& h) { return h.site == *shop_id; })) {
      const std::vector<std::string> events(webhooks::kEventTypes.begin(), webhooks::kEventTypes.end());
      auto made = st.create_webhook(owner, *shop_id, echo_url, events, webhooks::new_secret(), now);
      if (!made) return std::unexpected(made.error());
    }
  }
  auto snap = st.desk_snapshot();
  if (!snap) return std::unexpected(snap.error());
  for (const auto& site : snap->sites) {
    if (site.id == *shop_id && !site.rules.empty()) return {};  // seeded before
  }
  RoutingRule rule;
  rule.utm_campaign = "delivery";
  rule.department = *delivery;
  return st.add_routing_rule(*shop_id, rule);
}

}  // namespace otk

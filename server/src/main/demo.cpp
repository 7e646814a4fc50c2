#include "main/demo.hpp"

#include "core/tenancy/site_rules.hpp"

namespace otk {

Result<void> seed_demo(Storage& st, const std::vector<std::string>& origins, const std::string& password_hash,
                       TimePoint now) {
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

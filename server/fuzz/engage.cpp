// core/engage/engage.hpp engage_settings_from_json: a site's engagement document as the console, the CLI and the
// REST API send it. An accepted document must survive engage_settings_to_json unchanged (the header promises
// it), and the reference evaluator must decide on it for a few typical visitors.
#include <algorithm>
#include <array>

#include "core/engage/engage.hpp"
#include "fuzz.hpp"

using namespace otk;

namespace {

std::array<VisitorFacts, 3> visitors() {
  VisitorFacts browsing;
  browsing.time_on_page_s = 75;
  browsing.time_on_site_s = 300;
  browsing.pages_viewed = 4;
  browsing.scroll_percent = 60;
  browsing.path_and_query = "/catalog/sofas?color=grey";
  browsing.referrer = "https://yandex.ru/search/?text=%D0%B4%D0%B8%D0%B2%D0%B0%D0%BD&lr=213";
  VisitorFacts campaign;
  campaign.email_campaign = true;
  campaign.utm = {{"campaign", "Spring-Sale"}, {"medium", "email"}, {"term", "диван угловой"}};
  campaign.device = "mobile";
  campaign.path_and_query = "/promo";
  campaign.events = {"added_to_cart"};
  VisitorFacts leaving;
  leaving.exit_intent = true;
  leaving.inactive_s = 40;
  leaving.visit_count = 3;
  leaving.logged_in = true;
  leaving.path_and_query = "/Checkout/step-2";
  return {browsing, campaign, leaving};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::as_text(data, size);
  // The helpers the validator uses on every text field, on raw bytes as well.
  (void)contact_request_word(text);
  (void)lower_utf8(text);
  for (const char* language : {"ru", "en"}) {
    auto s = engage_settings_from_json(text, language);
    if (!s) continue;
    const auto doc = engage_settings_to_json(*s);
    auto again = engage_settings_from_json(doc, language);
    OTK_FUZZ_CHECK(again.has_value());
    OTK_FUZZ_CHECK(*again == *s);
    (void)engage_widget_json(*s, false).dump();
    static const auto kVisitors = visitors();
    GuardState fresh;
    for (const auto& v : kVisitors) {
      const auto d = evaluate(*s, v, fresh, 1.8e12);
      OTK_FUZZ_CHECK(d.trigger.empty() || d.trigger == "campaign" ||
                     std::any_of(s->triggers.begin(), s->triggers.end(), [&](const Trigger& t) { return t.id == d.trigger; }));
    }
  }
  return 0;
}

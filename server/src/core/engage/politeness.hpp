// The politeness report of a site (GET /api/v1/sites/{key}/politeness): a short list of checks, each saying in
// the site's language what is fine or exactly what to change. Pure: the caller gathers the facts.
#pragma once
#include <string>
#include <vector>

#include "core/chat/model.hpp"
#include "core/engage/engage.hpp"

namespace otk {

inline constexpr int kPoliteResponseSeconds = 25;
inline constexpr int kPoliteMinPeriodHours = 12;

struct PolitenessInput {
  const EngageSettings* engage = nullptr;  // nullptr: the site has no document yet, the defaults apply
  SiteAppearance appearance;
  bool hours_configured = false;           // false when the site runs on the default always-open hours
  bool always_open = true;
  int first_response_seconds = -1;         // average time to the first operator reply; negative: no chats yet
  int operators = 0, operators_with_photo = 0;
  bool callback_enabled = false;
  std::string language = "ru";             // "en…": English, anything else Russian
};

struct PolitenessCheck {
  std::string id;
  bool ok = false;
  std::string title;
  std::string explain;
};

/// In this order: silent_opening, side_placement, no_auto_open, response_time, hours_stated, no_data_extortion,
/// no_auto_geolocation, real_operator_photo, lively_texts, invitation_frequency, excluded_checkout.
[[nodiscard]] std::vector<PolitenessCheck> politeness_report(const PolitenessInput& in);

/// The stock or bureaucratic phrase found in text (lower-cased, as listed), "" when it reads like a person.
[[nodiscard]] std::string stock_phrase(std::string_view text);

}  // namespace otk

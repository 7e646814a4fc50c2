// core/bot/bot.hpp: what the FAQ bot does with text people type. The input is one knowledge-base entry, its fields
// cut at NUL bytes (question \0 phrasing \0 ... \0 answer), and, whole, one visitor message: validate_kb_entry,
// bot_terms, asks_for_human and bot_turn against a small fixed knowledge base.
#include <vector>

#include "core/bot/bot.hpp"
#include "fuzz.hpp"

using namespace otk;

namespace {

const KnowledgeIndex& fixed_index() {
  static const KnowledgeIndex index = [] {
    std::vector<KbEntry> entries{
        {1, "Сколько стоит доставка?", {"Цена доставки", "доставка по Москве"}, "300 ₽ по Москве, бесплатно от 5000 ₽.", {}},
        {2, "Как вернуть товар?", {"возврат", "хочу сдать покупку"}, "В течение 14 дней с чеком.", {}},
        {3, "What are your opening hours?", {"when are you open", "working hours"}, "9:00-18:00, Mon-Fri.", {}},
        {4, "Do you ship abroad?", {"international delivery", "доставка в Казахстан"}, "Yes, to the CIS.", {}},
    };
    return KnowledgeIndex::build(entries);
  }();
  return index;
}

void check_turn(const BotTurn& t) {
  OTK_FUZZ_CHECK(t.answer.has_value() != t.handoff.has_value());
  OTK_FUZZ_CHECK(t.confidence >= 0 && t.confidence <= 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::as_text(data, size);
  for (const auto& term : bot_terms(text)) OTK_FUZZ_CHECK(!term.empty());
  (void)asks_for_human(text);
  check_turn(bot_turn(fixed_index(), text, 0.5));

  const auto fields = fuzz::split(text);
  KbEntry e{7, std::string(fields.front()), {}, std::string(fields.back()), {}};
  for (std::size_t i = 1; i + 1 < fields.size(); ++i) e.phrasings.emplace_back(fields[i]);
  auto valid = validate_kb_entry(e);
  if (!valid) return 0;
  OTK_FUZZ_CHECK(!valid->question.empty() && !valid->answer.empty() && valid->phrasings.size() <= kMaxKbPhrasings);
  auto again = validate_kb_entry(*valid);  // normalising is idempotent
  OTK_FUZZ_CHECK(again && again->question == valid->question && again->phrasings == valid->phrasings &&
                 again->answer == valid->answer);
  const KnowledgeIndex one = KnowledgeIndex::build(std::vector<KbEntry>{*valid});
  const auto match = one.best(valid->question);
  OTK_FUZZ_CHECK(match.has_value() == !bot_terms(valid->question).empty());
  if (match) OTK_FUZZ_CHECK(match->entry == 7 && match->confidence > 0 && match->confidence <= 1);
  check_turn(bot_turn(one, valid->answer, 0.5));
  return 0;
}

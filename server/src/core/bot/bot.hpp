// The FAQ bot (docs/engagement.md, "The FAQ bot"): the site's knowledge base, retrieval over it, when the bot
// answers and when it hands the visitor to a person, and what it says. Pure: storage keeps the entries and the
// marks, the hub runs a conversation through bot_turn() and handoff_after_feedback().
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"

namespace otk {

inline constexpr std::size_t kMaxKbEntries = 2'000;  // per site; storage enforces it
inline constexpr std::size_t kMaxKbPhrasings = 20;
inline constexpr std::size_t kMaxKbQuestionChars = 300;  // code points, also for each phrasing
inline constexpr std::size_t kMaxKbAnswerChars = 2'000;

/// One knowledge-base entry: a question, other ways visitors ask it, and the answer.
struct KbEntry {
  std::int64_t id = 0;
  std::string question;
  std::vector<std::string> phrasings;
  std::string answer;
  TimePoint updated_at;
};

/// Normalises and checks an entry (id and updated_at are left alone). Question and phrasings: white space runs
/// become one space, trimmed, 1..300 characters; empty phrasings and repeats (of the question or of each other,
/// ignoring case) are dropped, then at most 20 may remain. Answer: line breaks kept, trimmed, 1..2000
/// characters. Error bad_request naming the field: "phrasings[2]: too long (max 300 characters)".
[[nodiscard]] Result<KbEntry> validate_kb_entry(KbEntry e);

/// Retrieval tokens of a text: lower-cased words of letters (Latin, Cyrillic) and digits, "ё" read as "е",
/// greetings, politeness and function words dropped, the rest Snowball-stemmed (Russian for words with
/// Cyrillic letters, English for Latin ones; numbers as they are). "Сколько стоит доставка?" -> {"сто",
/// "доставк"}. Thread-safe.
[[nodiscard]] std::vector<std::string> bot_terms(std::string_view text);

/// BM25 (k1 = 1.2, b = 0.75) over a knowledge base whose documents are every question and every phrasing.
/// Immutable once built: one index may be queried from any number of threads.
class KnowledgeIndex {
 public:
  KnowledgeIndex() = default;  // empty: matches nothing
  [[nodiscard]] static KnowledgeIndex build(std::span<const KbEntry> entries);

  struct Match {
    std::int64_t entry = 0;  // KbEntry::id
    double confidence = 0;   // (0, 1]
  };
  /// The entry whose best document scores highest (ties: the earlier entry). Confidence = that score divided
  /// by the score the query gets against itself as a document (same idf and average length), capped at 1.
  /// nullopt when none of the query's terms occurs in the knowledge base.
  [[nodiscard]] std::optional<Match> best(std::string_view query) const;

  [[nodiscard]] std::size_t size() const { return entry_ids_.size(); }  // entries indexed
  [[nodiscard]] std::size_t documents() const { return doc_len_.size(); }

 private:
  struct Posting {
    std::uint32_t doc = 0;
    std::uint32_t tf = 0;
  };
  [[nodiscard]] double idf(std::size_t docs_with_term) const;
  [[nodiscard]] double tf_weight(double tf, double doc_len) const;

  std::vector<std::int64_t> entry_ids_;    // by entry position
  std::vector<std::uint32_t> doc_entry_;   // document -> entry position
  std::vector<std::uint32_t> doc_len_;     // document -> number of terms
  double avgdl_ = 1;
  std::unordered_map<std::string, std::vector<Posting>> postings_;  // term -> documents, in document order
};

enum class HandoffReason { asked, low_confidence, not_helpful };
[[nodiscard]] std::string_view handoff_reason_name(HandoffReason r);  // "asked", "low_confidence", "not_helpful"
[[nodiscard]] std::optional<HandoffReason> parse_handoff_reason(std::string_view name);

/// Does the visitor ask for a person? True when the message names one (оператор, человек/люди, живой,
/// менеджер, консультант, human, person/people, agent, operator, someone/somebody, representative; any
/// inflection) and either asks to be put through (позовите, соедините, поговорить, talk, speak, connect, ...)
/// or is mostly that word: at most one other word besides greetings, politeness and function words. So "живого
/// человека", "можно с человеком?", "talk to an agent", "real person" are requests; "how does the human
/// resources page work", "сколько человек у вас работает", "can I pay in person?" are not.
[[nodiscard]] bool asks_for_human(std::string_view text);

/// What the bot does with one visitor message.
struct BotTurn {
  std::optional<std::int64_t> answer;     // the entry to answer with
  double confidence = 0;                  // the best match's, whatever was decided; 0 when nothing matched
  std::optional<HandoffReason> handoff;   // set exactly when answer is not
};

/// The visitor asks for a person -> hand off (asked); else the best match reaches the threshold -> answer;
/// else hand off (low_confidence): the bot does not guess.
[[nodiscard]] BotTurn bot_turn(const KnowledgeIndex& index, std::string_view text, double threshold);

inline constexpr int kNotHelpfulMarksForHandoff = 2;
/// After the visitor marked an answer: true once the conversation has 2 "did not help" marks (hand off,
/// not_helpful). One mark gets bot_not_helpful_text() instead.
[[nodiscard]] bool handoff_after_feedback(int not_helpful_marks);

// What the bot says. `language` "en" gives English, anything else Russian (the widget's default).

/// The bot's first message in a conversation: it is a bot, what it can do, and how to reach a person.
[[nodiscard]] std::string bot_intro_text(std::string_view language, std::string_view bot_name);
/// Said when handing off in hours; the wording follows the reason.
[[nodiscard]] std::string bot_handoff_text(std::string_view language, HandoffReason reason);
/// After the first "did not help": try asking another way, or call a person.
[[nodiscard]] std::string bot_not_helpful_text(std::string_view language);
/// Handing off out of hours. `back_at` is the already formatted time the team is back ("завтра в 9:00",
/// "tomorrow at 9:00"), or "" when unknown. The widget shows the offline form (and the callback) below.
[[nodiscard]] std::string bot_offline_text(std::string_view language, std::string_view back_at);

}  // namespace otk

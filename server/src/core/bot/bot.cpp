#include "core/bot/bot.hpp"

#include <libstemmer.h>

#include <algorithm>
#include <cmath>
#include <unordered_set>
#include <utility>

#include "core/chat/text.hpp"

namespace otk {
namespace {

constexpr double kK1 = 1.2;
constexpr double kB = 0.75;

// ---- words ----

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {  // the letters we keep are all in the BMP
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

enum class Kind { other, latin, cyrillic, digit, apostrophe, mark };

/// What a code point is to the tokenizer; letters are lower-cased in place and "ё" becomes "е". Latin means
/// ASCII, Latin-1 and Latin Extended-A; Cyrillic the whole U+0400 block. Letters of other scripts separate
/// words: the knowledge bases this serves are Russian and English.
Kind classify(char32_t& cp) {
  if (cp >= '0' && cp <= '9') return Kind::digit;
  if (cp >= 'a' && cp <= 'z') return Kind::latin;
  if (cp >= 'A' && cp <= 'Z') {
    cp += 0x20;
    return Kind::latin;
  }
  if (cp == '\'' || cp == 0x2019) {  // "don't", "what’s"
    cp = '\'';
    return Kind::apostrophe;
  }
  // Stress marks ("доста́вка"), the soft hyphen and other combining marks stay inside the word.
  if ((cp >= 0x300 && cp <= 0x36F) || cp == 0xAD || (cp >= 0x483 && cp <= 0x489)) return Kind::mark;
  if (cp >= 0xC0 && cp <= 0x17F && cp != 0xD7 && cp != 0xF7) {
    if (cp <= 0xDE) {
      cp += 0x20;
    } else if ((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177)) {
      cp |= 1;
    } else if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) {
      if (cp & 1) ++cp;
    } else if (cp == 0x178) {
      cp = 0xFF;
    }
    return Kind::latin;
  }
  if (cp >= 0x400 && cp <= 0x4FF) {
    if (cp <= 0x40F) {
      cp += 0x50;
    } else if (cp <= 0x42F) {
      cp += 0x20;
    } else if ((cp >= 0x460 && cp <= 0x481) || (cp >= 0x48A && cp <= 0x4BF) || cp >= 0x4D0) {
      cp |= 1;
    } else if (cp == 0x4C0) {
      cp = 0x4CF;
    } else if (cp >= 0x4C1 && cp <= 0x4CE) {
      if (cp & 1) ++cp;
    }
    if (cp == 0x451 || cp == 0x450) cp = 0x435;  // ё, ѐ -> е
    return Kind::cyrillic;
  }
  return Kind::other;
}

struct Word {
  std::string text;  // lower-cased, ё -> е
  bool cyrillic = false;
  bool latin = false;
};

/// Maximal runs of letters and digits. An apostrophe stays inside a word only between two Latin letters
/// ("don't"), so that quotes around words do not glue them to anything.
std::vector<Word> split_words(std::string_view text) {
  std::vector<Word> out;
  Word cur;
  Kind last = Kind::other;
  bool apostrophe = false;
  const auto flush = [&] {
    if (!cur.text.empty()) out.push_back(std::move(cur));
    cur = Word{};
    apostrophe = false;
  };
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const auto n = decode_utf8(text, i, cp);
    if (n == 0) {
      flush();
      last = Kind::other;
      ++i;
      continue;
    }
    i += n;
    const Kind kind = classify(cp);
    switch (kind) {
      case Kind::latin:
      case Kind::cyrillic:
      case Kind::digit:
        if (apostrophe) {
          if (kind == Kind::latin) {
            cur.text += '\'';
            apostrophe = false;
          } else {
            flush();
          }
        }
        append_utf8(cur.text, cp);
        cur.latin |= kind == Kind::latin;
        cur.cyrillic |= kind == Kind::cyrillic;
        last = kind;
        break;
      case Kind::apostrophe:
        if (last == Kind::latin && !apostrophe) {
          apostrophe = true;
        } else {
          flush();
        }
        last = Kind::apostrophe;
        break;
      case Kind::mark:
        // A decomposed "й" (и + combining breve, as macOS may send it) is still "й"; other marks vanish.
        if (cp == 0x306 && cur.text.ends_with("и")) {
          cur.text.resize(cur.text.size() - 2);
          cur.text += "й";
        }
        break;
      case Kind::other:
        flush();
        last = Kind::other;
        break;
    }
  }
  flush();
  return out;
}

// ---- stop words ----

// Small on purpose: function words, question words, greetings and politeness. They carry nothing a knowledge
// base could match on, and a query word the base has never seen lowers confidence (it is part of the query's
// self-score), so "Здравствуйте! Подскажите, пожалуйста, сколько стоит доставка?" must come down to the same
// terms as "стоимость доставки" does, minus the stem. Words that may carry the question stay: "нет", "не"
// go (BM25 cannot read negation anyway), "время", "день", "цена" stay. Spelled after ё -> е.
constexpr std::string_view kRussianStopWords[] = {
    "а", "без", "более", "бы", "был", "была", "были", "было", "быть", "в", "вам", "вами", "вас", "ваш", "ваша",
    "ваше", "вашего", "вашей", "вашем", "вашему", "ваши", "вашим", "ваших", "вашу", "ведь", "во", "вообще",
    "вот", "все", "всего", "всех", "вы", "где", "да", "даже", "для", "до", "добрый", "доброе", "доброго",
    "доброй", "его", "ее", "ей", "ему", "если", "есть", "еще", "же", "за", "здесь", "здравствуй",
    "здравствуйте", "и", "из", "или", "им", "их", "к", "как", "какая", "какие", "каких", "каким", "какое",
    "какой", "каком", "какую", "ко", "когда", "кто", "куда", "ли", "либо", "мне", "меня", "мной", "может",
    "можно", "мой", "моя", "мое", "моего", "моей", "моем", "мои", "моих", "мою", "мы", "на", "над", "надо",
    "нам", "нас", "наш", "наша", "наше", "нашего", "нашей", "наши", "не", "него", "нее", "нет", "ни", "них",
    "но", "ну", "нужен", "нужна", "нужно", "нужны", "о", "об", "обо", "от", "откуда", "очень", "по", "под",
    "подскажи", "подскажите", "пожалуйста", "почему", "привет", "при", "про", "просто", "с", "свой", "свою",
    "сколько", "скажи", "скажите", "со", "спасибо", "так", "такой", "там", "те", "тем", "то", "тогда", "тоже",
    "только", "том", "ты", "у", "уже", "узнать", "уточнить", "уточните", "хотел", "хотела", "хотелось",
    "хотим", "хочу", "чем", "через", "что", "чтобы", "чтоб", "эта", "эти", "это", "этого", "этой", "этом",
    "этот", "эту", "я",
};

constexpr std::string_view kEnglishStopWords[] = {
    "a", "about", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been", "being", "but", "by",
    "can", "can't", "could", "did", "do", "does", "doesn't", "don't", "for", "from", "get", "had", "has", "have",
    "he", "hello", "her", "here", "hey", "hi", "him", "his", "how", "how's", "i", "i'd", "i'm", "i've", "if",
    "in", "into", "is", "it", "it's", "its", "just", "know", "let", "let's", "like", "many", "may", "me",
    "might", "much", "must", "my", "need", "no", "not", "of", "on", "or", "our", "please", "pls", "plz",
    "shall", "she", "should", "so", "some", "tell", "than", "thank", "thanks", "that", "that's", "the",
    "their", "them", "then", "there", "there's", "these", "they", "this", "those", "to", "too", "us", "very",
    "want", "was", "we", "were", "what", "what's", "when", "where", "where's", "which", "who", "whom", "whose",
    "why", "will", "with", "wonder", "wondering", "would", "you", "you're", "your", "yours",
};

bool is_stop_word(std::string_view w) {
  static const std::unordered_set<std::string_view> words = [] {
    std::unordered_set<std::string_view> s(std::begin(kRussianStopWords), std::end(kRussianStopWords));
    s.insert(std::begin(kEnglishStopWords), std::end(kEnglishStopWords));
    return s;
  }();
  return words.contains(w);
}

// "Добрый день", "good morning": the greeting's second word is no more a question than the first. ("добрый" is
// a stop word by itself; "good" is not: "good quality".)
bool is_greeting_pair(std::string_view first, std::string_view second) {
  constexpr std::string_view kKind[] = {"добрый", "доброе", "доброго", "доброй", "good"};
  constexpr std::string_view kTime[] = {"день", "дня", "утро", "утра", "вечер", "вечера", "ночи",
                                        "morning", "afternoon", "evening", "day"};
  return std::find(std::begin(kKind), std::end(kKind), first) != std::end(kKind) &&
         std::find(std::begin(kTime), std::end(kTime), second) != std::end(kTime);
}

// ---- stemming ----

/// A Snowball stemmer of this thread: sb_stemmer keeps its work buffer inside, so one must never be shared.
class Stemmer {
 public:
  explicit Stemmer(const char* algorithm) : s_(sb_stemmer_new(algorithm, "UTF_8")) {}
  ~Stemmer() {
    if (s_) sb_stemmer_delete(s_);
  }
  Stemmer(const Stemmer&) = delete;
  Stemmer& operator=(const Stemmer&) = delete;

  /// The word itself when the library could not help (no memory): retrieval degrades, it does not fail.
  std::string stem(const std::string& word) {
    if (!s_) return word;
    const sb_symbol* out =
        sb_stemmer_stem(s_, reinterpret_cast<const sb_symbol*>(word.data()), static_cast<int>(word.size()));
    if (!out) return word;
    const int len = sb_stemmer_length(s_);
    if (len <= 0) return word;
    return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(len));
  }

 private:
  sb_stemmer* s_;
};

std::string stem(const Word& w) {
  thread_local Stemmer russian("russian");
  thread_local Stemmer english("english");
  if (w.cyrillic) return russian.stem(w.text);
  if (w.latin) return english.stem(w.text);
  return w.text;  // a number
}

// ---- validation ----

std::unexpected<Error> bad(std::string_view field, std::string_view what) {
  return fail(Errc::bad_request, std::string(field) + ": " + std::string(what));
}

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

/// normalize_message_text() (UTF-8 checked, controls but LF and TAB dropped, trimmed) with our field names and
/// limits; "" for a text of white space only. A one-line text has its white space runs folded into one space.
Result<std::string> normalize(std::string_view field, std::string_view raw, std::size_t max_chars, bool one_line) {
  auto text = normalize_message_text(raw);
  if (!text) {
    switch (text.error().code) {
      case Errc::text_empty: return std::string();
      case Errc::text_too_long: break;  // longer than any of our limits: reported below
      default: return bad(field, "not valid UTF-8");
    }
    return bad(field, "too long (max " + std::to_string(max_chars) + " characters)");
  }
  std::string s = std::move(*text);
  if (one_line) {
    std::string folded;
    folded.reserve(s.size());
    for (char c : s) {
      const bool space = c == ' ' || c == '\t' || c == '\n';
      if (!space) {
        folded += c;
      } else if (!folded.empty() && folded.back() != ' ') {
        folded += ' ';
      }
    }
    s = std::move(folded);
  }
  if (code_points(s) > max_chars) return bad(field, "too long (max " + std::to_string(max_chars) + " characters)");
  return s;
}

/// The form two phrasings are compared in: lower-cased letters, everything else as typed.
std::string fold_case(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const auto n = decode_utf8(s, i, cp);  // s is valid UTF-8 here
    const Kind kind = classify(cp);
    if (kind == Kind::latin || kind == Kind::cyrillic) {
      append_utf8(out, cp);
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

// ---- asking for a person ----

/// Names a person the visitor could be put through to, in any inflection. Russian nouns by their stem, so that
/// "менеджерские скидки" is not a manager; "живой" by its forms, because its stem "жив" is also "живу".
bool is_person_word(const Word& w) {
  if (w.cyrillic) {
    constexpr std::string_view kStems[] = {"оператор", "человек", "менеджер", "консультант"};
    constexpr std::string_view kForms[] = {"люди",   "людей",  "людям",  "людьми", "людях",  "живой",
                                           "живого", "живому", "живым",  "живом",  "живая",  "живую",
                                           "живые",  "живых",  "живыми", "живое"};
    if (std::find(std::begin(kForms), std::end(kForms), w.text) != std::end(kForms)) return true;
    const auto s = stem(w);
    return std::find(std::begin(kStems), std::end(kStems), s) != std::end(kStems);
  }
  constexpr std::string_view kEnglish[] = {"human",    "humans",         "person",          "persons",
                                           "people",   "agent",          "agents",          "operator",
                                           "operators", "someone",       "somebody",        "representative",
                                           "representatives"};
  return std::find(std::begin(kEnglish), std::end(kEnglish), w.text) != std::end(kEnglish);
}

/// "сколько человек", "3 человека", "in person", "per person": a count or a manner, not somebody to talk to.
bool counts_or_manner(const Word* before) {
  if (!before) return false;
  constexpr std::string_view kWords[] = {"сколько", "несколько", "in", "per"};
  if (std::find(std::begin(kWords), std::end(kWords), before->text) != std::end(kWords)) return true;
  return !before->cyrillic && !before->latin;  // a number
}

/// Asking to be put through: "позовите", "соедините", "поговорить", "talk", "speak", "connect", ...
bool is_put_through_word(std::string_view w) {
  constexpr std::string_view kWords[] = {
      "позовите", "позови",   "позвать",    "зовите",    "зови",      "пригласите", "пригласи",
      "соедините", "соедини", "соединить",  "переключите", "переключи", "переключить", "переведите",
      "переведи", "перевести", "свяжите",   "свяжи",     "связать",   "связаться",  "свяжитесь",
      "поговорить", "поговорю", "говорить", "пообщаться", "общаться", "побеседовать", "дайте",
      "дай",      "talk",     "talking",    "speak",     "speaking",  "chat",       "chatting",
      "connect",  "transfer", "reach",      "contact",
  };
  return std::find(std::begin(kWords), std::end(kWords), w) != std::end(kWords);
}

}  // namespace

// ---- knowledge base entries ----

Result<KbEntry> validate_kb_entry(KbEntry e) {
  auto question = normalize("question", e.question, kMaxKbQuestionChars, true);
  if (!question) return std::unexpected(question.error());
  if (question->empty()) return bad("question", "must not be empty");
  e.question = std::move(*question);

  std::vector<std::string> phrasings;
  std::vector<std::string> seen{fold_case(e.question)};
  for (std::size_t i = 0; i < e.phrasings.size(); ++i) {
    auto p = normalize("phrasings[" + std::to_string(i) + "]", e.phrasings[i], kMaxKbQuestionChars, true);
    if (!p) return std::unexpected(p.error());
    if (p->empty()) continue;
    auto folded = fold_case(*p);
    if (std::find(seen.begin(), seen.end(), folded) != seen.end()) continue;
    seen.push_back(std::move(folded));
    phrasings.push_back(std::move(*p));
  }
  // Counted after dropping repeats: what is stored is what is limited.
  if (phrasings.size() > kMaxKbPhrasings) {
    return bad("phrasings", "at most " + std::to_string(kMaxKbPhrasings) + " phrasings");
  }
  e.phrasings = std::move(phrasings);

  auto answer = normalize("answer", e.answer, kMaxKbAnswerChars, false);
  if (!answer) return std::unexpected(answer.error());
  if (answer->empty()) return bad("answer", "must not be empty");
  e.answer = std::move(*answer);
  return e;
}

std::vector<std::string> bot_terms(std::string_view text) {
  const auto words = split_words(text);
  std::vector<std::string> terms;
  terms.reserve(words.size());
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i + 1 < words.size() && is_greeting_pair(words[i].text, words[i + 1].text)) {
      ++i;
      continue;
    }
    if (is_stop_word(words[i].text)) continue;
    terms.push_back(stem(words[i]));
  }
  return terms;
}

// ---- retrieval ----

double KnowledgeIndex::idf(std::size_t docs_with_term) const {
  // Lucene's form: never negative, so a term in most documents still adds a little instead of subtracting.
  const double n = static_cast<double>(docs_with_term);
  return std::log(1.0 + (static_cast<double>(doc_len_.size()) - n + 0.5) / (n + 0.5));
}

double KnowledgeIndex::tf_weight(double tf, double doc_len) const {
  return tf * (kK1 + 1) / (tf + kK1 * (1 - kB + kB * doc_len / avgdl_));
}

KnowledgeIndex KnowledgeIndex::build(std::span<const KbEntry> entries) {
  KnowledgeIndex ix;
  std::size_t total_terms = 0;
  for (const auto& e : entries) {
    const auto entry = static_cast<std::uint32_t>(ix.entry_ids_.size());
    ix.entry_ids_.push_back(e.id);
    std::vector<std::vector<std::string>> seen;  // this entry's documents, as sorted terms
    const auto add = [&](std::string_view text) {
      auto terms = bot_terms(text);
      // Nothing to match ("Как?"), or the same terms as another wording of this entry: it could not change the
      // entry's score, only lower its terms' idf.
      if (terms.empty()) return;
      std::sort(terms.begin(), terms.end());
      if (std::find(seen.begin(), seen.end(), terms) != seen.end()) return;
      const auto doc = static_cast<std::uint32_t>(ix.doc_len_.size());
      ix.doc_len_.push_back(static_cast<std::uint32_t>(terms.size()));
      ix.doc_entry_.push_back(entry);
      total_terms += terms.size();
      for (std::size_t i = 0; i < terms.size();) {
        std::size_t j = i;
        while (j < terms.size() && terms[j] == terms[i]) ++j;
        ix.postings_[terms[i]].push_back({doc, static_cast<std::uint32_t>(j - i)});
        i = j;
      }
      seen.push_back(std::move(terms));
    };
    add(e.question);
    for (const auto& p : e.phrasings) add(p);
  }
  if (!ix.doc_len_.empty()) {
    ix.avgdl_ = static_cast<double>(total_terms) / static_cast<double>(ix.doc_len_.size());
  }
  return ix;
}

std::optional<KnowledgeIndex::Match> KnowledgeIndex::best(std::string_view query) const {
  auto terms = bot_terms(query);
  if (terms.empty() || doc_len_.empty()) return std::nullopt;
  std::sort(terms.begin(), terms.end());
  const auto query_len = static_cast<double>(terms.size());

  // Each distinct query term once; the query as a document has each with its count. Terms the base has never
  // seen take the highest idf in the self-score: "погода в Москве" is mostly about something we do not know.
  double self = 0;
  std::unordered_map<std::uint32_t, double> scores;
  for (std::size_t i = 0; i < terms.size();) {
    std::size_t j = i;
    while (j < terms.size() && terms[j] == terms[i]) ++j;
    const auto it = postings_.find(terms[i]);
    const double w = idf(it == postings_.end() ? 0 : it->second.size());
    self += w * tf_weight(static_cast<double>(j - i), query_len);
    if (it != postings_.end()) {
      for (const auto& p : it->second) scores[p.doc] += w * tf_weight(p.tf, doc_len_[p.doc]);
    }
    i = j;
  }
  if (scores.empty()) return std::nullopt;

  // An entry scores as its best document, so the best entry is the best document's; ties go to the earlier
  // document (the earlier entry), whatever order the map iterates in.
  std::uint32_t best_doc = 0;
  double best_score = -1;
  for (const auto& [doc, score] : scores) {
    if (score > best_score || (score == best_score && doc < best_doc)) {
      best_doc = doc;
      best_score = score;
    }
  }
  return Match{entry_ids_[doc_entry_[best_doc]], std::min(1.0, best_score / self)};
}

// ---- hand-off ----

std::string_view handoff_reason_name(HandoffReason r) {
  switch (r) {
    case HandoffReason::asked: return "asked";
    case HandoffReason::low_confidence: return "low_confidence";
    case HandoffReason::not_helpful: return "not_helpful";
  }
  return "asked";
}

std::optional<HandoffReason> parse_handoff_reason(std::string_view name) {
  for (auto r : {HandoffReason::asked, HandoffReason::low_confidence, HandoffReason::not_helpful}) {
    if (handoff_reason_name(r) == name) return r;
  }
  return std::nullopt;
}

bool asks_for_human(std::string_view text) {
  const auto words = split_words(text);
  bool person = false, put_through = false;
  int other = 0;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const Word& w = words[i];
    if (is_person_word(w)) {
      if (!counts_or_manner(i > 0 ? &words[i - 1] : nullptr)) person = true;
    } else if (is_put_through_word(w.text)) {
      put_through = true;
    } else if (!is_stop_word(w.text)) {
      ++other;
    }
  }
  // One other word leaves room for "живого человека", "real person", "оператор, ответьте"; a message that
  // says more is a question that merely mentions people, and the bot may still answer it (or hand off when it
  // cannot: a miss here costs little).
  return person && (put_through || other <= 1);
}

BotTurn bot_turn(const KnowledgeIndex& index, std::string_view text, double threshold) {
  BotTurn turn;
  const auto match = index.best(text);
  if (match) turn.confidence = match->confidence;
  if (asks_for_human(text)) {
    turn.handoff = HandoffReason::asked;
  } else if (match && match->confidence >= threshold) {
    turn.answer = match->entry;
  } else {
    turn.handoff = HandoffReason::low_confidence;
  }
  return turn;
}

bool handoff_after_feedback(int not_helpful_marks) { return not_helpful_marks >= kNotHelpfulMarksForHandoff; }

// ---- what the bot says ----
// The way a helpful shop assistant talks: says it is a bot once, does not guess, never leaves the visitor
// without the next step. The buttons are named as the widget labels them.

std::string bot_intro_text(std::string_view language, std::string_view bot_name) {
  const std::string name(bot_name);
  if (language == "en") {
    return (name.empty() ? std::string("Hi! I'm this site's bot.") : "Hi! I'm " + name + ", this site's bot.") +
           " I can help with common questions — go ahead and ask. If you'd rather talk to a person, tap "
           "“Talk to a person” or just say so.";
  }
  return (name.empty() ? std::string("Здравствуйте! Я бот этого сайта.")
                       : "Здравствуйте! Я " + name + ", бот этого сайта.") +
         " Подскажу с частыми вопросами — спрашивайте. А если захочется поговорить с человеком, нажмите "
         "«Позвать человека» или просто напишите об этом.";
}

std::string bot_handoff_text(std::string_view language, HandoffReason reason) {
  const bool en = language == "en";
  switch (reason) {
    case HandoffReason::asked:
      return en ? "Sure! I'm bringing in someone from our team — they'll see this whole chat, so there's no need "
                  "to repeat anything."
                : "Конечно! Зову человека из нашей команды — он увидит всю переписку, так что повторять ничего "
                  "не придётся.";
    case HandoffReason::low_confidence:
      return en ? "I'm not sure about this one, and I'd rather not guess. I'm bringing in someone from our team — "
                  "they'll see your question and reply right here."
                : "Тут я не уверен, а гадать не хочу. Зову человека из нашей команды — он увидит ваш вопрос и "
                  "ответит прямо здесь.";
    case HandoffReason::not_helpful:
      return en ? "Looks like I'm not getting this right — sorry. I'm bringing in someone from our team; they'll "
                  "see the whole chat and help you out."
                : "Похоже, с этим вопросом я не справляюсь — простите. Зову человека из нашей команды: он "
                  "увидит всю переписку и поможет.";
  }
  return {};
}

std::string bot_not_helpful_text(std::string_view language) {
  if (language == "en") {
    return "Sorry that didn't help. Try asking another way — in different words or with a little more detail. "
           "Or tap “Talk to a person” and I'll bring someone in.";
  }
  return "Жаль, что не помогло. Попробуйте спросить по-другому — другими словами или чуть подробнее. А если "
         "хотите, позову человека: нажмите «Позвать человека».";
}

std::string bot_offline_text(std::string_view language, std::string_view back_at) {
  const std::string when(back_at);
  if (language == "en") {
    return (when.empty() ? std::string("No one from our team is around right now.")
                         : "No one from our team is around right now — we'll be back " + when + ".") +
           " Leave your question and contact details in the form below, and we'll get back to you as soon as "
           "we can.";
  }
  return (when.empty() ? std::string("Сейчас никого из команды нет на месте.")
                       : "Сейчас никого из команды нет на месте — вернёмся " + when + ".") +
         " Оставьте вопрос и контакты в форме ниже, и мы ответим, как только сможем.";
}

}  // namespace otk

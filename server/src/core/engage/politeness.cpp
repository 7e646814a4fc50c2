#include "core/engage/politeness.hpp"

#include <algorithm>
#include <array>

#include "core/chat/text.hpp"
#include "core/routing/routing.hpp"

namespace otk {
namespace {

// One text a visitor reads before writing, and where it lives, for quoting it back to the owner.
struct Place {
  std::string where;
  std::string text;
  bool may_offer_call = false;  // a callback_offer is an offer the visitor takes or ignores (guard 6)
};

struct Lang {
  bool en;
  [[nodiscard]] std::string operator()(std::string_view ru, std::string_view english) const {
    return std::string(en ? english : ru);
  }
  [[nodiscard]] std::string quote(std::string_view text) const {
    auto cut = truncate_utf8(text, 80);
    if (cut.size() < text.size()) cut += "…";
    return en ? "“" + cut + "”" : "«" + cut + "»";
  }
};

std::string duration(int seconds, const Lang& t) {
  if (seconds < 60) return std::to_string(seconds) + t(" с", " s");
  auto out = std::to_string(seconds / 60) + t(" мин", " min");
  if (seconds % 60) out += " " + std::to_string(seconds % 60) + t(" с", " s");
  return out;
}

std::vector<Place> visible_texts(const PolitenessInput& in, const EngageSettings& s, const Lang& t) {
  std::vector<Place> out;
  const auto add = [&](std::string where, const std::string& text, bool call = false) {
    if (!text.empty()) out.push_back(Place{std::move(where), text, call});
  };
  add(t("заголовок окна чата", "chat window title"), in.appearance.title);
  add(t("приветствие", "greeting"), in.appearance.greeting);
  add(t("текст кнопки чата", "chat button text"), in.appearance.launcher);
  add(t("подпись у кнопки", "launcher label"), s.launcher.label);
  for (const auto& tr : s.triggers) {
    const auto where = t("приглашение ", "invitation ") + t.quote(tr.id);
    const auto& a = tr.action;
    add(where, a.text, a.type == ActionType::callback_offer);
    add(where, a.title);
    add(where, a.link_text);
    add(where, a.question);
    for (const auto& o : a.options) add(where, o);
  }
  add(t("приветствие рассылки", "campaign greeting"), s.campaign.greeting);
  for (const auto& [name, text] : s.campaign.greetings)
    add(t("приветствие рассылки ", "campaign greeting ") + t.quote(name), text);
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : std::string(sep)) + p;
  return out;
}

bool excludes(const Guards& g, std::string_view page) {
  return std::any_of(g.excluded_pages.begin(), g.excluded_pages.end(),
                     [&](const std::string& p) { return glob_match(lower_utf8(p), page); });
}

}  // namespace

std::string stock_phrase(std::string_view text) {
  static const std::array<std::string_view, 29> phrases{
      "чем могу помочь", "чем могу быть полезен", "чем я могу вам помочь", "ваше обращение", "в рамках",
      "осуществл", "данный", "данная", "данное", "данного", "данной", "данную", "уважаемый клиент",
      "уважаемые клиенты", "уважаемый посетитель", "ваш звонок очень важен", "не стесняйтесь обращаться",
      "how can i help you", "how may i help you", "how can we help you", "how may we assist",
      "your call is important", "valued customer", "do not hesitate", "don't hesitate", "please be advised",
      "we value your", "dear customer", "dear visitor"};
  const auto lower = lower_utf8(text);
  for (auto p : phrases) {
    if (lower.find(p) != std::string::npos) return std::string(p);
  }
  return {};
}

std::vector<PolitenessCheck> politeness_report(const PolitenessInput& in) {
  const EngageSettings fallback = default_engage_settings(in.language);
  const auto& s = in.engage ? *in.engage : fallback;
  const Lang t{in.language.starts_with("en")};
  const auto texts = visible_texts(in, s, t);
  std::vector<PolitenessCheck> out;

  out.push_back({"silent_opening", true, t("Виджет появляется тихо", "The widget arrives quietly"),
                 t("Никаких звуков, мигания и прыгающих кнопок: звук бывает только у нового сообщения от оператора. "
                   "Так устроено, настраивать ничего не нужно.",
                   "No sounds, blinking or bouncing buttons: the only sound is a new message from an operator. It is "
                   "built that way, nothing to set up.")});

  {
    const auto& pos = in.appearance.position;
    const bool ok = pos == "right" || pos == "left";
    out.push_back({"side_placement", ok, ok ? t("Кнопка сидит в углу", "The button sits in a corner")
                                            : t("Кнопке нужно место в углу", "The button needs a corner"),
                   ok ? (pos == "right" ? t("Кнопка чата в правом нижнем углу и не закрывает страницу.",
                                            "The chat button is in the bottom-right corner, out of your page's way.")
                                        : t("Кнопка чата в левом нижнем углу и не закрывает страницу.",
                                            "The chat button is in the bottom-left corner, out of your page's way."))
                      : t("Сейчас положение кнопки — ", "The button's position is now ") + t.quote(pos) +
                            t(". Поставьте её справа или слева, чтобы она не заслоняла содержимое.",
                              ". Put it on the right or the left so it never covers your content.")});
  }

  {
    const bool campaign = !s.campaign.greeting.empty() || !s.campaign.greetings.empty();
    out.push_back({"no_auto_open", true, t("Чат сам не открывается", "The chat never pops open"),
                   campaign ? t("Приглашения — это маленькие подсказки у кнопки, окно открывает сам посетитель. "
                                "Исключение одно: пришедшему из вашей рассылки чат откроется с приветствием один раз "
                                "за рассылку, а на телефоне он увидит только подсказку.",
                                "Invitations are small hints by the button; the visitor opens the chat. One "
                                "exception: someone arriving from your e-mail sees the chat open with your greeting "
                                "once per campaign, and on a phone just a hint.")
                            : t("Приглашения — это маленькие подсказки у кнопки, окно открывает только сам посетитель.",
                                "Invitations are small hints by the button; only the visitor opens the chat.")});
  }

  {
    const int secs = in.first_response_seconds;
    PolitenessCheck c{"response_time", secs <= kPoliteResponseSeconds, "", ""};
    if (secs < 0) {
      c.title = t("Скорость ответа пока не видна", "No reply times yet");
      c.explain = t("Чатов ещё не было. Цель — первые слова оператора в течение 25 секунд.",
                    "There have been no chats yet. Aim for an operator's first words within 25 seconds.");
    } else if (c.ok) {
      c.title = t("Отвечаете быстро", "You answer fast");
      c.explain = t("Первый ответ приходит в среднем через ", "The first reply comes after ") + duration(secs, t) +
                  t(" — заскучать никто не успевает.", " on average — nobody has time to get bored.");
    } else {
      c.title = t("Первого ответа приходится ждать", "The first reply takes a while");
      c.explain = t("Сейчас первый ответ приходит в среднем через ", "The first reply now comes after ") +
                  duration(secs, t) +
                  t(". Постарайтесь укладываться в 25 секунд: хватит короткого «Секунду, уже смотрю» — человек "
                    "видит, что его услышали. Заготовки помогут отвечать быстрее.",
                    " on average. Try to answer within 25 seconds: a quick “One sec, looking now” is enough for "
                    "people to know they were heard. Canned replies help.");
    }
    out.push_back(std::move(c));
  }

  if (!in.hours_configured) {
    out.push_back({"hours_stated", false, t("Часы работы не указаны", "Your hours aren't set"),
                   t("Сейчас виджет считает, что вы на связи круглосуточно. Укажите настоящие часы работы — ночью "
                     "посетитель увидит, когда вы ответите, и не будет ждать впустую.",
                     "Right now the widget assumes you answer around the clock. Set your real hours: at night "
                     "visitors will see when you'll be back instead of waiting for nothing.")});
  } else if (in.always_open) {
    out.push_back({"hours_stated", true, t("Вы на связи круглосуточно", "You're open around the clock"),
                   t("Так и указано. Отлично, если ночью кто-то правда дежурит; если нет — поставьте часы, и виджет "
                     "честно скажет, когда вы вернётесь.",
                     "That's what the settings say. Great if someone is really there at night; if not, set your hours "
                     "and the widget will honestly say when you're back.")});
  } else {
    out.push_back({"hours_stated", true, t("Часы работы указаны", "Your hours are set"),
                   t("Вне рабочего времени виджет скажет, когда вы вернётесь, и предложит оставить сообщение.",
                     "Out of hours the widget says when you'll be back and lets people leave a message.")});
  }

  {
    std::vector<std::string> found;
    for (const auto& p : texts) {
      if (p.may_offer_call) continue;
      if (auto w = contact_request_word(p.text); !w.empty()) found.push_back(t.quote(p.text) + " (" + p.where + ")");
    }
    const auto call = in.callback_enabled
                          ? t(" Кому нужен звонок, закажет его сам через обратный звонок.",
                              " Anyone who wants a call can order one themselves with the callback.")
                          : t(" Если вам нужны звонки, включите обратный звонок: номер оставят, только когда сами "
                              "захотят.",
                              " If you want calls, turn on the callback: people leave a number only when they choose "
                              "to.");
    if (found.empty()) {
      out.push_back({"no_data_extortion", true, t("Контакты не выпрашиваем", "No begging for contacts"),
                     t("Ни приветствие, ни приглашения не просят телефон или почту, пока человек сам не написал.",
                       "Neither the greeting nor the invitations ask for a phone or an e-mail before the visitor "
                       "wrote.") + call});
    } else {
      out.push_back({"no_data_extortion", false, t("Контакты просят слишком рано", "Contacts are asked for too early"),
                     t("Уберите просьбу о телефоне или почте: ", "Remove the request for a phone or an e-mail: ") +
                         join(found, "; ") +
                         t(". Сначала помогите — контакты человек оставит сам, если захочет.",
                           ". Help first: people share contacts themselves when they want to.") + call});
    }
  }

  out.push_back({"no_auto_geolocation", true, t("Геолокацию не спрашиваем", "No location prompts"),
                 t("Виджет никогда не просит браузер показать, где находится посетитель.",
                   "The widget never asks the browser where the visitor is.")});

  {
    const int n = in.operators, with = std::min(in.operators_with_photo, in.operators);
    if (n <= 0) {
      out.push_back(
          {"real_operator_photo", false, t("Операторов пока нет", "No operators yet"),
           t("Добавьте операторов и загрузите их настоящие фото — писать живому человеку проще, чем логотипу.",
             "Add operators with their real photos: people find it easier to write to a face than to a "
             "logo.")});
    } else if (with < n) {
      out.push_back({"real_operator_photo", false, t("Не у всех операторов есть фото", "Some operators have no photo"),
                     t("Фото есть у ", "Operators with a photo: ") + std::to_string(with) + t(" из ", " of ") +
                         std::to_string(n) +
                         t(". Загрузите настоящие фотографии — не логотип и не картинку со стока: писать живому "
                           "человеку проще.",
                           ". Upload real ones — not a logo or a stock picture: people find it easier to write to a "
                           "face.")});
    } else {
      out.push_back({"real_operator_photo", true, t("У операторов есть фото", "Operators show their faces"),
                     t("Фото есть у всех. Главное, чтобы это были вы, а не улыбка со стока.",
                       "Everyone has a photo. Just make sure it's really you, not a stock smile.")});
    }
  }

  {
    std::vector<std::string> found;
    for (const auto& p : texts) {
      if (auto phrase = stock_phrase(p.text); !phrase.empty()) {
        found.push_back(t.quote(p.text) + " (" + p.where + t(", тут «", ", here “") + phrase + t("»)", "”)"));
      }
    }
    if (found.empty()) {
      out.push_back({"lively_texts", true, t("Тексты звучат по-человечески", "Your texts sound human"),
                     t("В приветствии и приглашениях нет канцелярита и дежурных фраз.",
                       "No corporate speak or stock phrases in the greeting and invitations.")});
    } else {
      out.push_back({"lively_texts", false, t("Есть дежурные фразы", "Some texts sound canned"),
                     t("Перепишите так, как сказали бы вслух: ", "Rewrite these the way you'd say them out loud: ") +
                         join(found, "; ") +
                         t(". Например: «Здравствуйте! Подскажем с размером, доставкой и оплатой».",
                           ". For example: “Hi! Ask us about sizes, delivery or payment”.")});
    }
  }

  {
    const int h = s.guards.period_hours;
    const bool ok = h >= kPoliteMinPeriodHours;
    out.push_back(
        {"invitation_frequency", ok,
         ok ? t("Приглашения не надоедают", "Invitations don't nag")
            : t("Приглашения слишком часто", "Invitations come too often"),
         ok ? t("Не чаще одного раза в ", "At most one every ") + std::to_string(h) +
                  t(" ч, а закрытое приглашение больше не появляется.", " h, and a closed invitation never comes back.")
            : t("Сейчас новое приглашение может появиться уже через ", "A new invitation may now appear after just ") +
                  std::to_string(h) +
                  t(" ч. Поставьте хотя бы 12 часов, лучше 24: одного раза в день достаточно.",
                    " h. Make it at least 12 hours, better 24: once a day is plenty.")});
  }

  {
    std::vector<std::string> missing;
    for (auto page : {"/checkout", "/cart"}) {
      if (!excludes(s.guards, page)) missing.push_back(page);
    }
    if (missing.empty()) {
      out.push_back({"excluded_checkout", true, t("Оформлению заказа не мешаем", "Checkout stays undisturbed"),
                     t("В корзине и на оформлении заказа приглашения не появляются: человек платит — не отвлекаем.",
                       "No invitations in the cart or at checkout: when someone is paying, we stay out of the way.")});
    } else {
      std::vector<std::string> quoted, globs;
      for (const auto& m : missing) {
        quoted.push_back(t.quote(m));
        globs.push_back(t.quote("*" + m.substr(1) + "*"));
      }
      out.push_back({"excluded_checkout", false,
                     t("Приглашения мешают оформить заказ", "Invitations get in the way of checkout"),
                     t("Приглашения могут всплыть на страницах вроде ", "Invitations may pop up on pages like ") +
                         join(quoted, t(" и ", " and ")) + t(". Добавьте в исключённые страницы ", ". Add ") +
                         join(globs, t(" и ", " and ")) +
                         t(" (или адрес своей корзины, например «*korzina*»): пока человек платит, его не отвлекают.",
                           " to the excluded pages (or your own cart's address): nobody should be interrupted while "
                           "paying.")});
    }
  }
  return out;
}

}  // namespace otk

#include "core/chat/model.hpp"

namespace otk {

std::string_view role_name(Role r) {
  switch (r) {
    case Role::owner: return "owner";
    case Role::admin: return "admin";
    case Role::supervisor: return "supervisor";
    case Role::operator_: return "operator";
  }
  return "operator";
}

std::optional<Role> parse_role(std::string_view s) {
  if (s == "owner") return Role::owner;
  if (s == "admin") return Role::admin;
  if (s == "supervisor") return Role::supervisor;
  if (s == "operator") return Role::operator_;
  return std::nullopt;
}

std::string_view author_kind_name(AuthorKind k) {
  switch (k) {
    case AuthorKind::visitor: return "visitor";
    case AuthorKind::operator_: return "operator";
    case AuthorKind::system: return "system";
    case AuthorKind::bot: return "bot";
  }
  return "system";
}

std::optional<AuthorKind> parse_author_kind(std::string_view s) {
  if (s == "visitor") return AuthorKind::visitor;
  if (s == "operator") return AuthorKind::operator_;
  if (s == "system") return AuthorKind::system;
  if (s == "bot") return AuthorKind::bot;
  return std::nullopt;
}

std::string default_visitor_name(VisitorId id, std::string_view language) {
  return (language == "en" ? "Visitor " : "Посетитель ") + std::to_string(id.value);
}

std::string joined_text(std::string_view name, Role role, std::string_view language) {
  // The present tense keeps the Russian line free of the joiner's grammatical gender.
  const bool admin = role == Role::admin;
  if (language == "en") {
    return std::string(name) + (admin ? ", an administrator," : ", a supervisor,") + " joined the conversation";
  }
  return std::string("К разговору присоединяется ") + (admin ? "администратор " : "руководитель ") + std::string(name);
}

}  // namespace otk

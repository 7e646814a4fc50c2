// Strong integer ids: a ConversationId is never confused with a SiteId, and ids are never strings.
#pragma once
#include <compare>
#include <cstdint>
#include <functional>

namespace otk {

template <class Tag>
struct Id {
  std::int64_t value = 0;
  constexpr auto operator<=>(const Id&) const = default;
  constexpr explicit operator bool() const { return value != 0; }
};

using AccountId = Id<struct AccountTag>;
using SiteId = Id<struct SiteTag>;
using OperatorId = Id<struct OperatorTag>;
using VisitorId = Id<struct VisitorTag>;
using VisitId = Id<struct VisitTag>;
using ConversationId = Id<struct ConversationTag>;
using MessageId = Id<struct MessageTag>;
using DepartmentId = Id<struct DepartmentTag>;
using LeadId = Id<struct LeadTag>;
using CallbackId = Id<struct CallbackTag>;

/// Per-conversation, gap-free message sequence number, from 1.
using Seq = std::int64_t;

}  // namespace otk

template <class Tag>
struct std::hash<otk::Id<Tag>> {
  std::size_t operator()(const otk::Id<Tag>& id) const noexcept { return std::hash<std::int64_t>{}(id.value); }
};

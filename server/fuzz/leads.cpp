// core/leads/lead.hpp: the offline contact form (validate_contact_form; the input's fields cut at NUL bytes: name
// \0 email \0 phone \0 message) and contacts found in a chat message (find_contacts, the whole input). What they
// return is already normal: checking it again changes nothing.
#include "core/chat/text.hpp"
#include "core/leads/lead.hpp"
#include "fuzz.hpp"

using namespace otk;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::as_text(data, size);
  const auto found = find_contacts(text);
  if (!found.email.empty()) OTK_FUZZ_CHECK(normalize_email(found.email).value_or("") == found.email);
  if (!found.phone.empty()) OTK_FUZZ_CHECK(normalize_phone(found.phone).value_or("") == found.phone);

  auto fields = fuzz::split(text);
  fields.resize(4);
  auto form = validate_contact_form(fields[0], fields[1], fields[2], fields[3]);
  if (!form) return 0;
  OTK_FUZZ_CHECK(!form->email.empty() || !form->phone.empty());
  OTK_FUZZ_CHECK(is_valid_utf8(form->name) && is_valid_utf8(form->email) && is_valid_utf8(form->message));
  auto again = validate_contact_form(form->name, form->email, form->phone, form->message);
  OTK_FUZZ_CHECK(again && again->name == form->name && again->email == form->email && again->phone == form->phone &&
                 again->message == form->message);
  return 0;
}

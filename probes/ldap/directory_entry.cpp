// Entry's accessors: shared by the POSIX (libldap) and Windows (Wldap32) backends.
#include "probes/ldap/directory.hpp"

namespace authwatch::probes::ldap {

const std::vector<std::string>* Entry::values(std::string_view name) const {
  auto it = attributes.find(name);
  return it == attributes.end() ? nullptr : &it->second;
}

std::string Entry::first(std::string_view name) const {
  const auto* v = values(name);
  return v && !v->empty() ? v->front() : std::string();
}

}  // namespace authwatch::probes::ldap

// policy_data_codegen DIR OUT: the build step that compiles the shipped policy data into the
// program (gate/policy_files.hpp says why). Parses DIR's files with policy_files::parse() (so a
// broken file fails the build with parse()'s file:line: field: message) and writes OUT, a C++
// source defining policy_files::shipped_bytes (the files) and policy_files::shipped() (what parse()
// read, as code). tests/gate/policy_data_test.cpp checks that the two agree.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <type_traits>

#include "gate/policy_files.hpp"
#include "models/input_error.hpp"

namespace {

using namespace gatesim;

// A C++ string literal of `text`: printable ASCII as is, every other byte as a 3-digit octal
// escape (so no following character can join it).
std::string literal(std::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto byte = static_cast<unsigned char>(ch);
    if (byte >= 0x20 && byte < 0x7f && ch != '"' && ch != '\\' && ch != '?') {
      out += ch;
    } else {
      char escape[5];
      std::snprintf(escape, sizeof escape, "\\%03o", byte);
      out += escape;
    }
  }
  return out + "\"";
}

std::string date(models::CivilDate d) {
  return "CivilDate{year{" + std::to_string(static_cast<int>(d.year())) + "}, month{" +
         std::to_string(static_cast<unsigned>(d.month())) + "}, day{" + std::to_string(static_cast<unsigned>(d.day())) + "}}";
}

std::string date(const std::optional<models::CivilDate>& d) { return d ? date(*d) : "std::nullopt"; }

template <typename Enum>
std::string enumerator(const char* type, Enum value) {
  return "static_cast<" + std::string(type) + ">(" + std::to_string(static_cast<std::underlying_type_t<Enum>>(value)) +
         ") /* " + std::string(models::name(value)) + " */";
}

const char* boolean(bool b) { return b ? "true" : "false"; }

// Every field in declaration order, as designated initializers: a renamed or reordered field fails
// to compile, and so does a new one this does not write (-Werror=missing-field-initializers,
// gate/CMakeLists.txt).
void write_port(std::ostream& out, const models::Port& p) {
  out << "  ports.push_back(models::Port{\n"
      << "      .id = " << literal(p.id) << ",\n"
      << "      .name_en = " << literal(p.name_en) << ",\n"
      << "      .name_zh = " << literal(p.name_zh) << ",\n"
      << "      .city = " << literal(p.city) << ",\n"
      << "      .province = " << literal(p.province) << ",\n"
      << "      .kind = " << enumerator("models::PortKind", p.kind) << ",\n"
      << "      .capabilities = {\n";
  for (const auto& c : p.capabilities)
    out << "          models::Capability{.channel = " << enumerator("models::Channel", c.channel)
        << ", .measure = " << literal(c.measure) << ", .from = " << date(c.from) << ", .until = " << date(c.until)
        << ", .confirmed = " << boolean(c.confirmed) << ",\n"
        << "                             .source = " << literal(c.source) << "},\n";
  out << "      },\n      .destinations = {";
  for (const auto d : p.destinations) out << enumerator("models::Destination", d) << ", ";
  out << "},\n      .destinations_source = " << literal(p.destinations_source) << "});\n";
}

void write_country(std::ostream& out, const gate::Country& c) {
  out << "  countries.push_back(Country{.code = " << literal(c.code) << ", .name_en = " << literal(c.name_en)
      << ", .name_zh = " << literal(c.name_zh) << ", .region = " << literal(c.region) << ",\n"
      << "                              .from = " << date(c.from) << ", .confirmed = " << boolean(c.confirmed) << "});\n";
}

void write_parameters(std::ostream& out, const gate::PolicyParameters& p) {
  out << "  contents.parameters = PolicyParameters{\n"
      << "      .smart_minimum_age = " << p.smart_minimum_age << ",\n"
      << "      .talent_maximum_stay_days = " << p.talent_maximum_stay_days << ",\n"
      << "      .transit_24h_maximum_hours = " << p.transit_24h_maximum_hours << ",\n"
      << "      .transit_240h_maximum_hours = " << p.transit_240h_maximum_hours << ",\n"
      << "      .renewal_minimum_working_days = " << p.renewal_minimum_working_days << ",\n"
      << "      .renewal_from = " << date(p.renewal_from) << ",\n"
      << "      .arrival_card_from = " << date(p.arrival_card_from) << ",\n"
      << "      .transit_24h_list_complete = " << boolean(p.transit_24h_list_complete) << ",\n"
      << "      .one_time_mtp_list_complete = " << boolean(p.one_time_mtp_list_complete) << ",\n"
      << "      .one_time_mtp_total_ports = " << p.one_time_mtp_total_ports << "};\n";
}

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw models::InputError(path.string() + ": cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

void generate(const std::filesystem::path& dir, std::ostream& out) {
  namespace files = gate::policy_files;
  const files::Contents data = files::parse(dir);
  out << "// Generated by gate/codegen/policy_data_codegen.cpp from the policy files below: do not edit.\n"
      << "#include \"gate/policy_files.hpp\"\n\n"
      << "namespace gatesim::gate::policy_files {\n"
      << "namespace {\n"
      << "using models::CivilDate;\n"
      << "using std::chrono::day;\n"
      << "using std::chrono::month;\n"
      << "using std::chrono::year;\n";
  std::string list;
  for (std::size_t i = 0; i < files::names.size(); ++i) {
    const std::string bytes = read(dir / files::names[i]);
    out << "\n// " << files::names[i] << "\nconstexpr char file" << i << "[] =";
    std::size_t begin = 0;
    while (begin < bytes.size()) {  // one literal per line of the file
      const std::size_t end = std::min(bytes.find('\n', begin), bytes.size() - 1) + 1;
      out << "\n    " << literal(std::string_view(bytes).substr(begin, end - begin));
      begin = end;
    }
    if (bytes.empty()) out << " \"\"";
    out << ";\n";
    list += "std::string_view(file" + std::to_string(i) + ", " + std::to_string(bytes.size()) + "), ";
  }
  out << "}  // namespace\n\n"
      << "const std::array<std::string_view, names.size()> shipped_bytes{" << list << "};\n\n"
      << "Contents shipped() {\n"
      << "  Contents contents;\n"
      << "  auto& ports = contents.ports;\n"
      << "  ports.reserve(" << data.ports.size() << ");\n";
  for (const auto& port : data.ports) write_port(out, port);
  out << "  auto& countries = contents.countries;\n"
      << "  countries.reserve(" << data.countries.size() << ");\n";
  for (const auto& country : data.countries) write_country(out, country);
  write_parameters(out, data.parameters);
  out << "  return contents;\n"
      << "}\n\n"
      << "}  // namespace gatesim::gate::policy_files\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: policy_data_codegen DIR OUT.cpp\n";
    return 2;
  }
  const std::filesystem::path out_path = argv[2];
  try {
    std::ostringstream text;
    generate(argv[1], text);
    // Written whole and renamed, so a failed run leaves no half a source for the next build.
    const auto temporary = std::filesystem::path(out_path).concat(".tmp");
    {
      std::ofstream out(temporary, std::ios::binary);
      out << text.str();
      if (!out.flush()) throw models::InputError(temporary.string() + ": cannot write the file");
    }
    std::filesystem::rename(temporary, out_path);
  } catch (const std::exception& e) {  // models::InputError: file:line: field: what
    std::cerr << "policy_data_codegen: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

// Finding and loading plugins (models/plugin.hpp).
#include "models/plugin.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <system_error>
#include <vector>

#include "models/install_layout.hpp"

namespace gatesim::models {

namespace {

std::vector<std::filesystem::path> search_folders() {
  if (const char* dir = std::getenv("GATESIM_PLUGIN_DIR"); dir != nullptr && *dir != '\0') return {dir};
  std::vector<std::filesystem::path> folders;
  if (const auto program = program_folder()) {
    folders.push_back(*program);
    folders.push_back(program->parent_path() / kInstalledPlugins);
  }
#ifdef GATESIM_PLUGIN_BUILD_DIR
  folders.emplace_back(GATESIM_PLUGIN_BUILD_DIR);
#endif
  return folders;
}

std::string describe(const std::string& name, const std::string& needed_for) {
  return "plugin " + name + " (" + name + ".so, needed for " + needed_for + ")";
}

void* load(const std::string& name, const std::string& needed_for) {
  static std::mutex mutex;
  static std::map<std::string, void*> loaded;  // never unloaded: their code may still run
  const std::lock_guard lock(mutex);
  if (auto it = loaded.find(name); it != loaded.end()) return it->second;
  std::string searched;
  for (const auto& folder : search_folders()) {
    const auto file = folder / (name + ".so");
    std::error_code error;
    if (!std::filesystem::is_regular_file(file, error)) {
      searched += (searched.empty() ? "" : ", ") + folder.string();
      continue;
    }
    void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) throw PluginMissing(describe(name, needed_for) + " does not load: " + ::dlerror());
    loaded.emplace(name, handle);
    return handle;
  }
  throw PluginMissing(describe(name, needed_for) + " is not installed: looked in " + searched +
                      " (GATESIM_PLUGIN_DIR chooses the folder)");
}

}  // namespace

void* plugin_symbol(const std::string& name, const char* symbol, const std::string& needed_for) {
  void* handle = load(name, needed_for);
  void* address = ::dlsym(handle, symbol);
  if (address == nullptr) throw PluginMissing(describe(name, needed_for) + " has no entry point " + symbol);
  return address;
}

}  // namespace gatesim::models

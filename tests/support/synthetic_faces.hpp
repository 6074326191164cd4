#pragma once
// Synthetic face descriptors shaped like dlib's: unit length, one cluster per identity.
//
// Each identity is a random direction pulled toward a shared mean (so two identities lie ~0.95
// apart, as dlib's impostor pairs do, not the 1.41 of unrelated random vectors); each sample
// is the identity plus Gaussian noise, renormalised, ~0.4 from another sample of the same
// identity (dlib's genuine pairs: 0.3-0.5). Every value follows from (seed, identity, sample)
// through our own Gaussian, so the same seed gives the same descriptors everywhere.
//
// Thread safety: const; safe from any thread.

#include <cmath>
#include <cstdint>
#include <random>

#include "biometrics/face_types.hpp"

namespace gatesim::testing {

class SyntheticFaces {
 public:
  explicit SyntheticFaces(std::uint64_t seed) : seed_(seed), mean_(unit(gaussian_vector(stream(~0ull, 0)), 1.0)) {}

  biometrics::FaceDescriptor identity(std::uint64_t id) const {
    biometrics::FaceDescriptor v = unit(gaussian_vector(stream(id, 0)), 1.0);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] += kPullToMean * mean_[i];
    return unit(v, 1.0);
  }

  // `sample` 0, 1, 2, ... are different photos of identity `id`.
  biometrics::FaceDescriptor sample(std::uint64_t id, std::uint64_t sample) const {
    biometrics::FaceDescriptor v = identity(id);
    const auto noise = gaussian_vector(stream(id, sample + 1));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] += kNoise * noise[i];
    return unit(v, 1.0);
  }

 private:
  static constexpr float kPullToMean = 1.1f;
  static constexpr float kNoise = 0.025f;  // per element: ~0.28 from the identity

  std::mt19937_64 stream(std::uint64_t id, std::uint64_t sample) const {
    // splitmix64 of the three numbers: independent streams for every (seed, id, sample).
    auto mix = [](std::uint64_t z) {
      z += 0x9e3779b97f4a7c15ull;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      return z ^ (z >> 31);
    };
    return std::mt19937_64(mix(mix(mix(seed_) ^ id) ^ sample));
  }

  // Box-Muller on mt19937_64's 53-bit uniforms: the same numbers on every standard library.
  static biometrics::FaceDescriptor gaussian_vector(std::mt19937_64 rng) {
    biometrics::FaceDescriptor v{};
    auto uniform = [&] { return (static_cast<double>(rng() >> 11) + 0.5) / 9007199254740992.0; };
    for (std::size_t i = 0; i < v.size(); i += 2) {
      const double r = std::sqrt(-2 * std::log(uniform())), a = 6.283185307179586 * uniform();
      v[i] = static_cast<float>(r * std::cos(a));
      v[i + 1] = static_cast<float>(r * std::sin(a));
    }
    return v;
  }

  static biometrics::FaceDescriptor unit(biometrics::FaceDescriptor v, double length) {
    double sum = 0;
    for (float x : v) sum += double{x} * x;
    const double f = length / std::sqrt(sum);
    for (float& x : v) x = static_cast<float>(x * f);
    return v;
  }

  std::uint64_t seed_;
  biometrics::FaceDescriptor mean_;
};

}  // namespace gatesim::testing

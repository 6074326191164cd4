#pragma once
// Internal to biometrics/ (and the dlib reference pipeline in tests/support): dlib's network
// types for the two CNN model files. Including this header instantiates heavy templates, so
// only face_analyzer.cpp and the reference pipeline include it.
//
// The layer layouts must match the trained model files exactly.

#include <dlib/dnn.h>

namespace gatesim::biometrics::detail {

using namespace dlib;

// dlib_face_recognition_resnet_model_v1: a ResNet-29 variant, 150x150 RGB in, 128-D out.
// The layer layout has to match the trained model file exactly.
template <template <int, template <typename> class, int, typename> class Block, int N,
          template <typename> class BN, typename Subnet>
using residual = add_prev1<Block<N, BN, 1, tag1<Subnet>>>;
template <template <int, template <typename> class, int, typename> class Block, int N,
          template <typename> class BN, typename Subnet>
using residual_down = add_prev2<avg_pool<2, 2, 2, 2, skip1<tag2<Block<N, BN, 2, tag1<Subnet>>>>>>;
template <int N, template <typename> class BN, int Stride, typename Subnet>
using conv_block = BN<con<N, 3, 3, 1, 1, relu<BN<con<N, 3, 3, Stride, Stride, Subnet>>>>>;
template <int N, typename Subnet> using ares = relu<residual<conv_block, N, affine, Subnet>>;
template <int N, typename Subnet> using ares_down = relu<residual_down<conv_block, N, affine, Subnet>>;
template <typename Subnet> using alevel0 = ares_down<256, Subnet>;
template <typename Subnet> using alevel1 = ares<256, ares<256, ares_down<256, Subnet>>>;
template <typename Subnet> using alevel2 = ares<128, ares<128, ares_down<128, Subnet>>>;
template <typename Subnet> using alevel3 = ares<64, ares<64, ares<64, ares_down<64, Subnet>>>>;
template <typename Subnet> using alevel4 = ares<32, ares<32, ares<32, Subnet>>>;
using DescriptorNet = loss_metric<fc_no_bias<128, avg_pool_everything<alevel0<alevel1<alevel2<alevel3<alevel4<
    max_pool<3, 3, 2, 2, relu<affine<con<32, 7, 7, 2, 2, input_rgb_image_sized<150>>>>>>>>>>>>>;

// mmod_human_face_detector: dlib's CNN face detector.
template <long Filters, typename Subnet> using con5d = con<Filters, 5, 5, 2, 2, Subnet>;
template <long Filters, typename Subnet> using con5 = con<Filters, 5, 5, 1, 1, Subnet>;
template <typename Subnet>
using downsampler = relu<affine<con5d<32, relu<affine<con5d<32, relu<affine<con5d<16, Subnet>>>>>>>>>;
template <typename Subnet> using rcon5 = relu<affine<con5<45, Subnet>>>;
using MmodNet = loss_mmod<con<1, 9, 9, 1, 1, rcon5<rcon5<rcon5<downsampler<input_rgb_image_pyramid<pyramid_down<6>>>>>>>>;

}  // namespace gatesim::biometrics::detail

// Tensor metadata, views, copies, casts and factories. On a GPU: tensor_cuda_test.cpp.
#include <cmath>
#include <limits>

#include "core/out_of_memory.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

// A tensor too large for memory is an OutOfMemoryError naming the tensor and the sizes; one
// whose byte count overflows is refused before any allocation.
TEST(Tensor, TooLargeForMemoryNamesTheTensorAndTheSizes) {
    const int64_t n = int64_t{1} << 60;  // 4 EiB of f32: beyond any address space
    EXPECT_THROW(Tensor::empty({n}), OutOfMemoryError);
    EXPECT_TRUE(throws_with([&] { Tensor::empty({n}); },
                            {"cannot allocate a tensor f32[" + std::to_string(n) + "] on cpu",
                             "4.0 EiB", "asked for", "available"}));
    EXPECT_THROW(Tensor::zeros({4, n}, DType::F64), OutOfMemoryError);
    EXPECT_TRUE(throws_with(
        [&] {
            Tensor::zeros({4, n}, DType::F64);
        },
        {"tensor f64[4, " + std::to_string(n) + "]", "more than 2^64 bytes"}));
}

TEST(Tensor, EmptyHasContiguousStrides) {
    Tensor t = Tensor::empty({2, 3, 4});
    EXPECT_EQ(t.strides(), (Shape{12, 4, 1}));
    EXPECT_EQ(t.numel(), 24);
    EXPECT_EQ(t.nbytes(), 96u);
    EXPECT_TRUE(t.is_contiguous());
    EXPECT_EQ(t.str(), "f32[2, 3, 4] on cpu");
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % 64, 0u);
}

TEST(Tensor, FactoriesFillValues) {
    EXPECT_EQ(Tensor::zeros({3}).to_vector<float>(), (std::vector<float>{0, 0, 0}));
    EXPECT_EQ(Tensor::ones({2}, DType::I32).to_vector<int32_t>(), (std::vector<int32_t>{1, 1}));
    EXPECT_EQ(Tensor::full({2}, 2.5, DType::F64).to_vector<double>(),
              (std::vector<double>{2.5, 2.5}));
    EXPECT_EQ(Tensor::scalar(7.0).item<float>(), 7.0f);
    EXPECT_EQ(Tensor::scalar(7.0).dim(), 0);
}

TEST(Tensor, FromVectorChecksCount) {
    EXPECT_TRUE(throws_with(
        [] {
            Tensor::from_vector<float>({1, 2, 3}, {2, 2});
        },
        {"from_vector", "3 values", "[2, 2]"}));
}

TEST(Tensor, ReshapeIsAViewWhenPossible) {
    Tensor t = arange(6, DType::F32);
    Tensor r = t.reshape({2, 3});
    EXPECT_EQ(r.storage(), t.storage());
    EXPECT_EQ(r.reshape({-1, 2}).shape(), (Shape{3, 2}));
    EXPECT_TRUE(throws_with([&] { t.reshape({4, 2}); }, {"reshape", "[4, 2]", "6 elements"}));
    EXPECT_TRUE(throws_with([&] { t.reshape({-1, -1}); }, {"only one dimension can be -1"}));
}

TEST(Tensor, PermuteAndContiguousCopy) {
    Tensor t = arange(6, DType::F32).reshape({2, 3});
    Tensor p = t.permute({1, 0});
    EXPECT_FALSE(p.is_contiguous());
    EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
    Tensor c = p.contiguous();
    EXPECT_TRUE(c.is_contiguous());
    EXPECT_NE(c.storage(), t.storage());
    EXPECT_EQ(c.to_vector<float>(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
    // A non-contiguous view cannot be viewed flat; reshape copies instead.
    EXPECT_TRUE(throws_with([&] { p.view({6}); }, {"view", "reshape"}));
    EXPECT_EQ(p.reshape({6}).to_vector<float>(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
    EXPECT_TRUE(throws_with([&] { t.permute({0, 0}); }, {"permute", "repeated"}));
}

TEST(Tensor, EmptyTensorsAreContiguous) {
    // A zero size after the first dim used to make is_contiguous() false (and reduce_into throw).
    EXPECT_TRUE(Tensor::zeros({3, 0}).is_contiguous());
    EXPECT_TRUE(Tensor::zeros({2, 0, 4}).permute({2, 0, 1}).is_contiguous());
    EXPECT_EQ(sum(Tensor::zeros({3, 0}), {1}).to_vector<float>(), std::vector<float>(3, 0.0f));
}

TEST(Tensor, SliceSelectExpand) {
    Tensor t = arange(12, DType::F32).reshape({3, 4});
    EXPECT_EQ(t.slice(1, 1, 3).to_vector<float>(), (std::vector<float>{1, 2, 5, 6, 9, 10}));
    EXPECT_EQ(t.slice(0, 0, 3, 2).to_vector<float>(),
              (std::vector<float>{0, 1, 2, 3, 8, 9, 10, 11}));
    EXPECT_EQ(t.slice(1, -2, 4).to_vector<float>(), (std::vector<float>{2, 3, 6, 7, 10, 11}));
    EXPECT_EQ(t.select(0, -1).to_vector<float>(), (std::vector<float>{8, 9, 10, 11}));
    Tensor row = Tensor::from_vector<float>({1, 2}, {1, 2});
    Tensor e = row.expand({3, 2});
    EXPECT_EQ(e.strides(), (Shape{0, 1}));
    EXPECT_EQ(e.to_vector<float>(), (std::vector<float>{1, 2, 1, 2, 1, 2}));
    EXPECT_TRUE(throws_with([&] { t.select(2, 0); }, {"select", "dim 2", "out of range"}));
    EXPECT_TRUE(throws_with([&] { row.expand({3, 3}); }, {"cannot broadcast", "[1, 2]", "[3, 3]"}));
}

TEST(Tensor, SqueezeUnsqueezeFlatten) {
    Tensor t = Tensor::zeros({2, 1, 3});
    EXPECT_EQ(t.squeeze(1).shape(), (Shape{2, 3}));
    EXPECT_EQ(t.unsqueeze(0).shape(), (Shape{1, 2, 1, 3}));
    EXPECT_EQ(t.unsqueeze(-1).shape(), (Shape{2, 1, 3, 1}));
    EXPECT_EQ(t.flatten(1).shape(), (Shape{2, 3}));
    EXPECT_EQ(t.flatten().shape(), (Shape{6}));
    EXPECT_TRUE(throws_with([&] { t.squeeze(0); }, {"squeeze", "size 2"}));
}

TEST(Tensor, CopyIntoStridedDestination) {
    Tensor dst = Tensor::zeros({3, 4});
    dst.slice(1, 0, 4, 2).copy_(Tensor::ones({3, 2}));
    EXPECT_EQ(dst.to_vector<float>(), (std::vector<float>{1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0}));
    EXPECT_TRUE(throws_with(
        [&] {
            dst.copy_(Tensor::ones({4, 3}));
        },
        {"copy_", "[4, 3]", "[3, 4]"}));
}

TEST(Tensor, CastToBf16RoundsToNearestEven) {
    // 1 + 2^-8 is halfway between bf16 neighbours 1 and 1 + 2^-7: ties go to the even one (1).
    // 1 + 3*2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: even is 1 + 2^-6.
    const std::vector<float> in{1.0f + 1.0f / 256, 1.0f + 3.0f / 256, 1.0f + 1.0f / 256 + 1e-6f,
                                -2.5f, std::numeric_limits<float>::infinity()};
    const std::vector<float> want{1.0f, 1.0f + 1.0f / 64, 1.0f + 1.0f / 128, -2.5f,
                                  std::numeric_limits<float>::infinity()};
    Tensor b = Tensor::from_vector(in, {5}).to(DType::BF16);
    EXPECT_EQ(b.dtype(), DType::BF16);
    EXPECT_EQ(b.to(DType::F32).to_vector<float>(), want);
    EXPECT_TRUE(std::isnan(Tensor::from_vector<float>({NAN}, {1}).to(DType::BF16).item<float>()));
}

TEST(Tensor, CastToF16HandlesRangeAndSubnormals) {
    const std::vector<float> in{1.0f, 65504.0f, 65520.0f, 6.0e-8f, 1.0f + 1.0f / 2048, -0.0f};
    const std::vector<float> out =
        Tensor::from_vector(in, {6}).to(DType::F16).to(DType::F32).to_vector<float>();
    EXPECT_EQ(out[0], 1.0f);
    EXPECT_EQ(out[1], 65504.0f);
    EXPECT_TRUE(std::isinf(out[2]));
    EXPECT_EQ(out[3], 5.9604644775390625e-8f);  // the smallest f16 subnormal
    EXPECT_EQ(out[4], 1.0f);                    // tie to even
    EXPECT_TRUE(std::signbit(out[5]));
}

TEST(Tensor, CastsBetweenIntegerAndFloat) {
    Tensor f = Tensor::from_vector<float>({-1.7f, 2.9f, 255.0f}, {3});
    EXPECT_EQ(f.to(DType::I32).to_vector<int32_t>(), (std::vector<int32_t>{-1, 2, 255}));
    EXPECT_EQ(f.to(DType::I64).to(DType::F64).to_vector<double>(),
              (std::vector<double>{-1, 2, 255}));
    EXPECT_EQ(Tensor::from_vector<uint8_t>({0, 200}, {2}).to(DType::F32).to_vector<float>(),
              (std::vector<float>{0, 200}));
}

TEST(Tensor, DataChecksDtype) {
    Tensor t = Tensor::zeros({2});
    EXPECT_TRUE(throws_with([&] { t.data<double>(); }, {"data<f64>", "f32 tensor"}));
    EXPECT_TRUE(throws_with([] { Tensor().shape(); }, {"undefined tensor"}));
}

TEST(Tensor, ItemNeedsOneElement) {
    EXPECT_TRUE(throws_with([] { Tensor::zeros({2}).item<float>(); }, {"item()", "2 elements"}));
}

}  // namespace
}  // namespace mdq

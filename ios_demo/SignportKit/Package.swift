// swift-tools-version:5.9
// SignportKit: everything the demo app does that is not camera or UI — reading a signport
// bundle, applying a hot-swappable head, smoothing, fingerspelling, benchmark reports and
// on-device head fine-tuning. `swift test` runs its tests on macOS.
//
// SignportExecuTorch runs a bundle's .pte backbones through ExecuTorch's prebuilt Apple runtime
// (XNNPACK and Core ML backends). The runtime version matches the Python exporter's pin
// (executorch 1.5.1 in pyproject.toml): a .pte runs only on the runtime generation that wrote it.
// ExecuTorch's package needs iOS 17 / macOS 14.
import PackageDescription

let executorchVersion = "1.5.1"

let package = Package(
    name: "SignportKit",
    platforms: [.iOS(.v17), .macOS(.v14)],
    products: [
        .library(name: "SignportKit", targets: ["SignportKit"]),
        .library(name: "SignportExecuTorch", targets: ["SignportExecuTorch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/pytorch/executorch.git", branch: "swiftpm-\(executorchVersion)"),
    ],
    targets: [
        .target(name: "SignportKit"),
        .target(
            name: "SignportExecuTorch",
            dependencies: [
                "SignportKit",
                .product(name: "executorch", package: "executorch"),
                .product(name: "backend_xnnpack", package: "executorch"),
                .product(name: "backend_coreml", package: "executorch"),
                .product(name: "kernels_optimized", package: "executorch"),
                .product(name: "kernels_quantized", package: "executorch"),
            ]
        ),
        .testTarget(name: "SignportKitTests", dependencies: ["SignportKit"]),
    ]
)

// swift-tools-version:5.9
// SignportKit: everything the demo app does that is not camera or UI — reading a signport
// bundle, applying a hot-swappable head, smoothing, fingerspelling, benchmark reports and
// on-device head fine-tuning. `swift test` runs its tests on macOS (and the pure parts on Linux).
import PackageDescription

let package = Package(
    name: "SignportKit",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [
        .library(name: "SignportKit", targets: ["SignportKit"]),
    ],
    targets: [
        .target(name: "SignportKit"),
        .testTarget(name: "SignportKitTests", dependencies: ["SignportKit"]),
    ]
)

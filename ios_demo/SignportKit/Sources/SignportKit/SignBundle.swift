import Foundation
#if canImport(CryptoKit)
import CryptoKit
#endif

/// Errors a user can act on; `message` names the file and the fix, and the UI shows it verbatim.
public enum SignportError: Error, LocalizedError, Equatable {
    case invalidBundle(String)
    case headRefused(String)
    case runtime(String)

    public var message: String {
        switch self {
        case .invalidBundle(let text), .headRefused(let text), .runtime(let text): return text
        }
    }

    public var errorDescription: String? { message }
}

/// A bundle folder: manifest.json + artifacts + the shipped head. Read once at start-up.
public struct SignBundle {
    public let directory: URL
    public let manifest: BundleManifest

    public static let manifestFileName = "manifest.json"

    public init(directory: URL) throws {
        let manifestURL = directory.appendingPathComponent(Self.manifestFileName)
        guard let data = try? Data(contentsOf: manifestURL) else {
            throw SignportError.invalidBundle("\(manifestURL.path) not found; copy a folder written by `signport export --out` into the app")
        }
        let manifest: BundleManifest
        do {
            manifest = try JSONDecoder().decode(BundleManifest.self, from: data)
        } catch {
            throw SignportError.invalidBundle("\(manifestURL.lastPathComponent) does not match the signport manifest schema (\(error)); re-export the bundle")
        }
        guard manifest.format == BundleManifest.expectedFormat else {
            throw SignportError.invalidBundle("\(manifestURL.lastPathComponent): format is \(manifest.format), not \(BundleManifest.expectedFormat)")
        }
        guard manifest.schemaVersion == BundleManifest.supportedSchemaVersion else {
            throw SignportError.invalidBundle(
                "\(manifestURL.lastPathComponent): schema_version \(manifest.schemaVersion) is not supported (this app reads \(BundleManifest.supportedSchemaVersion)); update the app or re-export"
            )
        }
        for path in manifest.artifacts.map(\.path) + [manifest.head.json, manifest.head.bin] {
            _ = try Self.checkedURL(path, in: directory)
        }
        self.directory = directory
        self.manifest = manifest
    }

    /// A file the manifest names. Like signport's resolver (signport/core/manifest.py) it must be relative,
    /// normalised and inside the bundle folder, so a manifest can never make the app read outside it.
    public func url(for relativePath: String) throws -> URL {
        try Self.checkedURL(relativePath, in: directory)
    }

    static func checkedURL(_ relativePath: String, in directory: URL) throws -> URL {
        let parts = relativePath.split(separator: "/", omittingEmptySubsequences: false)
        if relativePath.isEmpty || relativePath.hasPrefix("/") || relativePath.contains("\\")
            || parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) {
            throw SignportError.invalidBundle("manifest path '\(relativePath)' is not a relative path inside the bundle; re-export the bundle")
        }
        let target = directory.appendingPathComponent(relativePath).resolvingSymlinksInPath()
        let root = directory.resolvingSymlinksInPath().path
        guard target.path.hasPrefix(root + "/") else {
            throw SignportError.invalidBundle("manifest path '\(relativePath)' leads outside the bundle; re-export the bundle")
        }
        return target
    }

    /// Backbones this app can run, most compact precision first (int8, fp16, fp32).
    public func backbones(format: Artifact.Format) -> [Artifact] {
        let preference = ["int8", "fp16", "float16", "fp32", "float32"]
        return manifest.artifacts
            .filter { $0.format == format && $0.role == .backbone }
            .sorted { (preference.firstIndex(of: $0.precision) ?? preference.count) < (preference.firstIndex(of: $1.precision) ?? preference.count) }
    }

    /// The head that shipped inside the bundle (manifest "head"), checked against its sha256.
    public func shippedHead() throws -> LinearHead {
        let reference = manifest.head
        let binURL = try url(for: reference.bin)
        if let expected = reference.sha256["bin"], let digest = Self.sha256Hex(of: binURL), digest != expected {
            throw SignportError.invalidBundle("\(reference.bin) does not match the manifest's sha256; re-export the bundle or install heads by dropping NAME.json + NAME.bin into Documents")
        }
        return try loadHead(json: try url(for: reference.json), bin: binURL)
    }

    /// Read NAME.json + NAME.bin and refuse it unless it fits this bundle's backbone.
    public func loadHead(json jsonURL: URL, bin binURL: URL) throws -> LinearHead {
        let name = jsonURL.deletingPathExtension().lastPathComponent
        guard let jsonData = try? Data(contentsOf: jsonURL) else {
            throw SignportError.headRefused("\(jsonURL.lastPathComponent) cannot be read")
        }
        let headManifest: HeadManifest
        do {
            headManifest = try JSONDecoder().decode(HeadManifest.self, from: jsonData)
        } catch {
            throw SignportError.headRefused("\(jsonURL.lastPathComponent) is not a signport head manifest (\(error)); write heads with `signport finetune`")
        }
        guard let binData = try? Data(contentsOf: binURL) else {
            throw SignportError.headRefused("\(name).bin is missing next to \(jsonURL.lastPathComponent); copy both files")
        }
        let head = try LinearHead(manifest: headManifest, binData: binData, sourceName: name)
        try head.checkCompatible(with: manifest)
        return head
    }

    static func sha256Hex(of url: URL) -> String? {
        #if canImport(CryptoKit)
        guard let data = try? Data(contentsOf: url, options: .mappedIfSafe) else { return nil }
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        #else
        return nil
        #endif
    }
}

/// Finds the head a user dropped into a folder (Documents): the newest NAME.json whose NAME.bin sits beside it.
public enum HeadDropFolder {
    public struct Candidate: Equatable {
        public let json: URL
        public let bin: URL
        public let modified: Date
    }

    public static func newestCandidate(in folder: URL, fileManager: FileManager = .default) -> Candidate? {
        let keys: [URLResourceKey] = [.contentModificationDateKey, .isRegularFileKey]
        guard let entries = try? fileManager.contentsOfDirectory(at: folder, includingPropertiesForKeys: keys) else { return nil }
        let candidates: [Candidate] = entries.compactMap { url in
            guard url.pathExtension == "json" else { return nil }
            let bin = url.deletingPathExtension().appendingPathExtension("bin")
            guard fileManager.fileExists(atPath: bin.path) else { return nil }
            let jsonDate = (try? url.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast
            let binDate = (try? bin.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast
            return Candidate(json: url, bin: bin, modified: max(jsonDate, binDate))
        }
        return candidates.max { $0.modified < $1.modified }
    }
}

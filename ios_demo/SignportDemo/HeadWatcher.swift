import Foundation

/// Calls `onChange` (on the main queue) when files in a folder are added, replaced or removed, so a
/// head dropped into Documents (Files app, Finder, AirDrop "Save to Files") is picked up at once.
/// Events are debounced: a .json and a .bin copied together arrive as several writes.
final class HeadWatcher {
    private let folder: URL
    private let onChange: () -> Void
    private var source: DispatchSourceFileSystemObject?
    private var pending: DispatchWorkItem?

    init(folder: URL, onChange: @escaping () -> Void) {
        self.folder = folder
        self.onChange = onChange
    }

    func start() {
        guard source == nil else { return }
        let descriptor = open(folder.path, O_EVTONLY)
        guard descriptor >= 0 else { return }
        let source = DispatchSource.makeFileSystemObjectSource(fileDescriptor: descriptor, eventMask: [.write, .rename, .delete], queue: .main)
        source.setEventHandler { [weak self] in self?.scheduleChange() }
        source.setCancelHandler { close(descriptor) }
        source.resume()
        self.source = source
    }

    func stop() {
        source?.cancel()
        source = nil
    }

    private func scheduleChange() {
        pending?.cancel()
        let work = DispatchWorkItem { [weak self] in self?.onChange() }
        pending = work
        DispatchQueue.main.asyncAfter(deadline: .now() + 0.5, execute: work)
    }

    deinit { stop() }
}

/// Files opened in the app (AirDrop, "Open in…", Files) land in Documents/Inbox or outside the sandbox;
/// copying them to Documents hands them to the HeadWatcher like any other dropped head.
enum DocumentInbox {
    static func accept(_ url: URL) {
        let scoped = url.startAccessingSecurityScopedResource()
        defer { if scoped { url.stopAccessingSecurityScopedResource() } }
        let target = LaunchOptions.documents.appendingPathComponent(url.lastPathComponent)
        guard url.standardizedFileURL != target.standardizedFileURL else { return }
        try? FileManager.default.removeItem(at: target)
        try? FileManager.default.copyItem(at: url, to: target)
    }
}

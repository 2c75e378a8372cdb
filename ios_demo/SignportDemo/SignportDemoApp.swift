import SwiftUI

@main
struct SignportDemoApp: App {
    private let launch = LaunchOptions(defaults: .standard)

    var body: some Scene {
        WindowGroup {
            if launch.benchmark {
                BenchmarkView(options: launch)
            } else {
                ContentView(model: RecognizerModel(launch: launch))
                    .onOpenURL { DocumentInbox.accept($0) }
            }
        }
    }
}

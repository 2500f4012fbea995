// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "SkillPulse",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ingest", targets: ["ingest"]),
        .executable(name: "analytics", targets: ["analytics"]),
        .executable(name: "realtime-gateway", targets: ["realtime-gateway"]),
        .executable(name: "metrics-exporter", targets: ["metrics-exporter"]),
        .executable(name: "skillpulse", targets: ["skillpulse"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
    ],
    targets: [
        // libsystemd: sd_notify, sd_watchdog_enabled, sd_listen_fds_with_names.
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        // sqlite3_db_config is variadic, so Swift reaches it through this one C function.
        // What Swift cannot do safely itself: line-buffer libc's `stdout` (a global under strict concurrency) and
        // install async-signal-safe SIGTERM/SIGINT handlers.
        .target(name: "CProcessSupport"),
        .target(
            name: "CSQLiteSupport",
            linkerSettings: [.linkedLibrary("sqlite3")]
        ),
        .target(
            name: "SkillPulseCore"
        ),
        .target(
            name: "SkillPulseStore",
            dependencies: [
                "SkillPulseCore",
                "CSQLiteSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            plugins: ["EmbedMigrations"]
        ),
        .target(
            name: "SkillPulseWire",
            dependencies: [
                "SkillPulseCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "SkillPulseAnalytics", dependencies: ["SkillPulseCore"]),
        .target(
            name: "SkillPulseDaemon",
            dependencies: [
                "CProcessSupport",
                "CSystemd",
                "SkillPulseCore",
                "SkillPulseStore",
                "SkillPulseWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SkillPulseIngest",
            dependencies: [
                "CProcessSupport",
                "SkillPulseCore",
                "SkillPulseStore",
                "SkillPulseWire",
                "SkillPulseDaemon",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "ingest",
            dependencies: [
                "SkillPulseIngest", "SkillPulseDaemon", "SkillPulseStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "SkillPulseAnalyticsService",
            dependencies: [
                "SkillPulseCore",
                "SkillPulseStore",
                "SkillPulseWire",
                "SkillPulseDaemon",
                "SkillPulseAnalytics",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "analytics",
            dependencies: [
                "SkillPulseDaemon", "SkillPulseAnalyticsService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "realtime-gateway",
            dependencies: ["SkillPulseDaemon", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "metrics-exporter",
            dependencies: ["SkillPulseDaemon", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "skillpulse",
            dependencies: [
                "CProcessSupport",
                "SkillPulseCore",
                "SkillPulseStore",
                "SkillPulseWire",
                "SkillPulseAnalytics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Build-time tool: turns Migrations/*.sql into Swift string literals so no binary reads SQL from disk.
        .executableTarget(name: "MigrationEmbedder"),
        .plugin(
            name: "EmbedMigrations",
            capability: .buildTool(),
            dependencies: ["MigrationEmbedder"]
        ),
        .testTarget(name: "SkillPulseCoreTests", dependencies: ["SkillPulseCore"]),
        .testTarget(
            name: "SkillPulseStoreTests",
            dependencies: ["SkillPulseStore", "SkillPulseCore", .product(name: "GRDB", package: "GRDB.swift")],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "SkillPulseWireTests",
            dependencies: [
                "SkillPulseWire",
                "SkillPulseCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "SkillPulseAnalyticsTests", dependencies: ["SkillPulseAnalytics", "SkillPulseCore"]),
        .testTarget(
            name: "SkillPulseIngestTests",
            dependencies: [
                "SkillPulseIngest", "SkillPulseStore", "SkillPulseCore", "SkillPulseWire",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SkillPulseAnalyticsServiceTests",
            dependencies: ["SkillPulseAnalyticsService", "SkillPulseAnalytics", "SkillPulseCore", "SkillPulseWire",
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "ContractTests",
            dependencies: ["SkillPulseWire", "SkillPulseIngest", "SkillPulseAnalyticsService", "SkillPulseDaemon"]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "SkillPulseCore",
                "SkillPulseAnalytics",
                "SkillPulseWire",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ]
)

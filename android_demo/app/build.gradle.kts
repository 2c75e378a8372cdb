import java.net.URI
import java.security.MessageDigest
import java.util.zip.ZipFile

plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
}

// MediaPipe's hand model, fetched into the assets at build time (binary: not in git) and checked.
// The pins are the networks signport's landmark data and `signport live` use: the two .tflite members of
// the mediapipe==0.10.21 wheel (signport/hands/model_file.py TASK_MEMBERS), and the sha256 of the .task
// that `signport models fetch` builds from them (BUILT_TASK_SHA256). A file from elsewhere can be pinned
// whole with -Psignport.handModelSha256=HEX (and -Psignport.handModelUrl=URL).
val handModelUrl = (findProperty("signport.handModelUrl") as String?)
    ?: "https://storage.googleapis.com/mediapipe-models/hand_landmarker/hand_landmarker/float16/1/hand_landmarker.task"
val handModelSha256 = findProperty("signport.handModelSha256") as String?
val builtTaskSha256 = "3d53882509afffb0be5409a8640b7c401546cd90f37f07e64da7d8dba10cd0af"
val handModelMembers = mapOf(
    "hand_detector.tflite" to "1b14e9422c6ad006cde6581a46c8b90dd573c07ab7f3934b5589e7cea3f89a54",
    "hand_landmarks_detector.tflite" to "11c272b891e1a99ab034208e23937a8008388cf11ed2a9d776ed3d01d0ba00e3"
)

fun sha256Hex(bytes: ByteArray): String = MessageDigest.getInstance("SHA-256").digest(bytes).joinToString("") { "%02x".format(it) }

/** Why `file` is not the pinned hand model, or null when it is. */
fun handModelProblem(file: File): String? {
    if (!file.isFile) return "missing"
    val whole = sha256Hex(file.readBytes())
    if (handModelSha256 != null) return if (whole == handModelSha256) null else "sha256 $whole, pinned $handModelSha256"
    if (whole == builtTaskSha256) return null
    ZipFile(file).use { zip ->
        for ((name, expected) in handModelMembers) {
            val entry = zip.getEntry(name) ?: return "no $name inside (not a hand_landmarker.task)"
            val actual = sha256Hex(zip.getInputStream(entry).readBytes())
            if (actual != expected) return "$name has sha256 $actual, signport's landmarks were made with $expected"
        }
    }
    return null
}

val fetchHandModel by tasks.registering {
    description = "Download hand_landmarker.task into the app's assets and check its sha256 against signport's pins"
    val target = layout.projectDirectory.file("src/main/assets/hand_landmarker.task").asFile
    outputs.file(target)
    onlyIf { handModelProblem(target) != null }
    doLast {
        target.parentFile.mkdirs()
        val staging = File(target.path + ".download")
        try {
            URI(handModelUrl).toURL().openStream().use { input -> staging.outputStream().use { input.copyTo(it) } }
        } catch (error: Exception) {
            throw GradleException("cannot download $handModelUrl (${error.message}); offline, run `signport models fetch --out " +
                "android_demo/app/src/main/assets` on a machine with pip access, or copy a hand_landmarker.task there")
        }
        handModelProblem(staging)?.let { problem ->
            staging.delete()
            throw GradleException("$handModelUrl is not the pinned hand model: $problem; build the pinned one with " +
                "`signport models fetch --out android_demo/app/src/main/assets`, or pin this file with -Psignport.handModelSha256=HEX")
        }
        if (!staging.renameTo(target)) throw GradleException("cannot move $staging to $target")
    }
}

tasks.named("preBuild") { dependsOn(fetchHandModel) }

android {
    namespace = "dev.signport.demo"
    compileSdk = 35

    defaultConfig {
        applicationId = "dev.signport.demo"  // = BenchContract.PACKAGE_NAME
        minSdk = 29  // FileObserver(File), scoped external storage
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
        ndk {
            // ExecuTorch's and MediaPipe's native libraries ship for these.
            abiFilters += listOf("arm64-v8a", "x86_64")
        }
    }

    buildTypes {
        release {
            isMinifyEnabled = false
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    kotlinOptions {
        jvmTarget = "17"
    }

    buildFeatures {
        viewBinding = true
    }

    androidResources {
        // MediaPipe memory-maps the .task model from assets: it must be stored uncompressed.
        noCompress += "task"
    }

    packaging {
        jniLibs {
            // Both ExecuTorch and MediaPipe may bring the C++ runtime.
            pickFirsts += "**/libc++_shared.so"
        }
    }
}

dependencies {
    implementation(libs.androidx.core.ktx)
    implementation(libs.androidx.appcompat)
    implementation(libs.androidx.constraintlayout)
    implementation(libs.androidx.camera.core)
    implementation(libs.androidx.camera.camera2)
    implementation(libs.androidx.camera.lifecycle)
    implementation(libs.androidx.camera.view)
    implementation(libs.executorch.android)
    implementation(libs.mediapipe.tasks.vision)

    testImplementation(libs.junit)
    testImplementation(libs.org.json)
}

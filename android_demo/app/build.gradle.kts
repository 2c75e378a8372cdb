plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
}

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

package io.sessiond;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package rules of docs/architecture.md, checked on the compiled main classes: no package
 * cycles, the store contract knows no backend, and only the assembly picks a backend.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.sessiond");
  }

  @Test
  void packages_haveNoCycles() {
    slices().matching("io.sessiond.(**)").should().beFreeOfCycles().check(classes);
  }

  @Test
  void storeContract_dependsOnNoBackendAndNoSync() {
    noClasses().that().resideInAPackage("io.sessiond.store")
        .should().dependOnClassesThat().resideInAnyPackage("io.sessiond.store.memory..", "io.sessiond.store.file..",
            "io.sessiond.store.redis..", "io.sessiond.sync..", "io.sessiond.http..")
        .check(classes);
  }

  @Test
  void backends_areChosenOnlyWhereTheDaemonIsAssembled() {
    noClasses().that().resideInAnyPackage("io.sessiond.http..", "io.sessiond.sync..", "io.sessiond.health..",
            "io.sessiond.metrics..", "io.sessiond.cli..", "io.sessiond.config..", "io.sessiond.session..",
            "io.sessiond.tenant..")
        .should().dependOnClassesThat().resideInAnyPackage("io.sessiond.store.memory..", "io.sessiond.store.file..",
            "io.sessiond.store.redis..")
        .check(classes);
  }

  @Test
  void onlyTheFileBackend_buildsOnTheMemoryEngine() {
    noClasses().that().resideInAnyPackage("io.sessiond.store.redis..")
        .should().dependOnClassesThat().resideInAnyPackage("io.sessiond.store.memory..", "io.sessiond.store.file..")
        .check(classes);
  }
}

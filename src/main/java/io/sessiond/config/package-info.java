/**
 * Configuration: one loader reads {@code conf/config.json} and environment overrides (one name per
 * setting in both), validates every value once, and builds one record per feature.
 */
package io.sessiond.config;

<?php
/**
 * Runs when the plugin is deleted in Plugins (not on deactivation): removes its one option everywhere.
 *
 * @package Otklik
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

delete_option( 'otklik_settings' );

if ( is_multisite() ) {
	foreach ( get_sites( array( 'fields' => 'ids', 'number' => 0 ) ) as $otklik_blog_id ) {
		switch_to_blog( $otklik_blog_id );
		delete_option( 'otklik_settings' );
		restore_current_blog();
	}
}

<?php
/**
 * Plugin Name:       Otklik
 * Description:       Adds the Otklik chat widget (a self-hosted online consultant) to every page of the site.
 * Version:           1.0.0
 * Requires at least: 5.8
 * Requires PHP:      7.4
 * Author:            Otklik
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       otklik
 * Domain Path:       /languages
 *
 * Settings → Otklik stores the Otklik server address and the site key; every public page then loads
 * {server}/widget.js?site={key} once, asynchronously, in the footer. Nothing is added to admin pages.
 */

defined( 'ABSPATH' ) || exit;

const OTKLIK_OPTION = 'otklik_settings';

/** The stored settings with defaults filled in: server (string), site_key (string), hide_for_admins (bool). */
function otklik_settings() {
	$stored = get_option( OTKLIK_OPTION, array() );
	$stored = is_array( $stored ) ? $stored : array();
	return array(
		'server'          => isset( $stored['server'] ) ? (string) $stored['server'] : '',
		'site_key'        => isset( $stored['site_key'] ) ? (string) $stored['site_key'] : '',
		'hide_for_admins' => ! empty( $stored['hide_for_admins'] ),
	);
}

/**
 * Normalises an Otklik server address: http or https, a host, an optional port and path, no user, query or
 * fragment; scheme and host lowercased, default port and trailing slashes dropped.
 * Returns '' for an empty input and null for an invalid one.
 */
function otklik_parse_server( $raw ) {
	$raw = trim( (string) $raw );
	if ( '' === $raw ) {
		return '';
	}
	if ( strlen( $raw ) > 2000 || preg_match( '/[\x00-\x20\x7f"\'<>\\\\`{}|^?#]/', $raw ) ) {
		return null;
	}
	$parts = wp_parse_url( $raw );
	if ( ! is_array( $parts ) || empty( $parts['scheme'] ) || empty( $parts['host'] ) ||
		isset( $parts['user'] ) || isset( $parts['pass'] ) || isset( $parts['query'] ) || isset( $parts['fragment'] ) ) {
		return null;
	}
	$scheme = strtolower( $parts['scheme'] );
	if ( 'http' !== $scheme && 'https' !== $scheme ) {
		return null;
	}
	$host  = strtolower( $parts['host'] );
	$label = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
	if ( strlen( $host ) > 253 || ! preg_match( "/\\A(?:(?:$label\\.)*$label|\\[[0-9a-f:.]+\\])\\z/", $host ) ) {
		return null;
	}
	$port = '';
	if ( isset( $parts['port'] ) ) {
		$n = (int) $parts['port'];
		if ( $n < 1 || $n > 65535 ) {
			return null;
		}
		if ( ! ( ( 'https' === $scheme && 443 === $n ) || ( 'http' === $scheme && 80 === $n ) ) ) {
			$port = ':' . $n;
		}
	}
	$path = isset( $parts['path'] ) ? rtrim( $parts['path'], '/' ) : '';
	if ( '' !== $path && ! preg_match( '#\A(?:/[A-Za-z0-9._~%-]+)+\z#', $path ) ) {
		return null;
	}
	return $scheme . '://' . $host . $port . $path;
}

/**
 * A site key as Otklik accepts it (server/src/core/tenancy/site_rules.cpp): 2..64 characters of a-z, 0-9
 * and '-', not starting with '-'. Returns '' for an empty input and null for an invalid one.
 */
function otklik_parse_site_key( $raw ) {
	$key = trim( (string) $raw );
	if ( '' === $key ) {
		return '';
	}
	return preg_match( '/\A[a-z0-9][a-z0-9-]{1,63}\z/', $key ) ? $key : null;
}

/** The widget's address, or '' unless both settings are present and valid. */
function otklik_widget_src( array $settings ) {
	$server = otklik_parse_server( $settings['server'] );
	$key    = otklik_parse_site_key( $settings['site_key'] );
	if ( null === $server || null === $key || '' === $server || '' === $key ) {
		return '';
	}
	return $server . '/widget.js?site=' . rawurlencode( $key );
}

/* ---- Front end ---- */

function otklik_enqueue_widget() {
	$settings = otklik_settings();
	if ( is_admin() || ( $settings['hide_for_admins'] && current_user_can( 'manage_options' ) ) ) {
		return;
	}
	$src = otklik_widget_src( $settings );
	if ( '' === $src ) {
		return;
	}
	// WordPress escapes the address with esc_url() when it prints the tag. The 'strategy' argument needs
	// WordPress 6.3; older versions read the array as "in the footer" and get async from otklik_async_tag().
	wp_enqueue_script( 'otklik', esc_url_raw( $src ), array(), null, array( 'in_footer' => true, 'strategy' => 'async' ) );
}
add_action( 'wp_enqueue_scripts', 'otklik_enqueue_widget' );

function otklik_async_tag( $tag, $handle ) {
	if ( 'otklik' !== $handle || version_compare( $GLOBALS['wp_version'], '6.3', '>=' ) || preg_match( '/\sasync[\s>=]/', $tag ) ) {
		return $tag;
	}
	return preg_replace( '/<script\b/', '<script async', $tag, 1 );
}
add_filter( 'script_loader_tag', 'otklik_async_tag', 10, 2 );

/* ---- Settings → Otklik ---- */

function otklik_load_textdomain() {
	load_plugin_textdomain( 'otklik', false, dirname( plugin_basename( __FILE__ ) ) . '/languages' );
}
add_action( 'init', 'otklik_load_textdomain' );

function otklik_activate() {
	// The option exists from the start, so the first save runs the sanitize callback once, not twice.
	add_option( OTKLIK_OPTION, array( 'server' => '', 'site_key' => '', 'hide_for_admins' => false ) );
}
register_activation_hook( __FILE__, 'otklik_activate' );

/** Keeps every valid field of the submitted form; an invalid one keeps its previous value and says why. */
function otklik_sanitize_settings( $input ) {
	$out   = otklik_settings();
	$input = is_array( $input ) ? $input : array();

	$server = otklik_parse_server( isset( $input['server'] ) ? $input['server'] : '' );
	if ( null === $server ) {
		add_settings_error(
			OTKLIK_OPTION,
			'otklik_bad_server',
			__( 'The Otklik server address was not saved: it must be a full address starting with https:// (or http://), without ? or #, for example https://chat.example.com. The previous value is kept.', 'otklik' )
		);
	} else {
		$out['server'] = $server;
	}

	$key = otklik_parse_site_key( isset( $input['site_key'] ) ? $input['site_key'] : '' );
	if ( null === $key ) {
		add_settings_error(
			OTKLIK_OPTION,
			'otklik_bad_site_key',
			__( 'The site key was not saved: it must be 2 to 64 characters, lowercase Latin letters a-z, digits and hyphens, not starting with a hyphen, exactly as in Otklik. The previous value is kept.', 'otklik' )
		);
	} else {
		$out['site_key'] = $key;
	}

	$out['hide_for_admins'] = ! empty( $input['hide_for_admins'] );
	return $out;
}

function otklik_admin_init() {
	register_setting(
		'otklik',
		OTKLIK_OPTION,
		array(
			'type'              => 'object',
			'sanitize_callback' => 'otklik_sanitize_settings',
			'default'           => array( 'server' => '', 'site_key' => '', 'hide_for_admins' => false ),
		)
	);
	add_settings_section( 'otklik_main', '', 'otklik_render_status', 'otklik' );
	add_settings_field( 'otklik_server', __( 'Otklik server address', 'otklik' ), 'otklik_render_server_field', 'otklik', 'otklik_main', array( 'label_for' => 'otklik_server' ) );
	add_settings_field( 'otklik_site_key', __( 'Site key', 'otklik' ), 'otklik_render_site_key_field', 'otklik', 'otklik_main', array( 'label_for' => 'otklik_site_key' ) );
	add_settings_field( 'otklik_hide_for_admins', __( 'Administrators', 'otklik' ), 'otklik_render_hide_field', 'otklik', 'otklik_main' );
}
add_action( 'admin_init', 'otklik_admin_init' );

function otklik_admin_menu() {
	add_options_page( __( 'Otklik chat', 'otklik' ), __( 'Otklik', 'otklik' ), 'manage_options', 'otklik', 'otklik_render_settings_page' );
}
add_action( 'admin_menu', 'otklik_admin_menu' );

function otklik_action_links( $links ) {
	$url = admin_url( 'options-general.php?page=otklik' );
	array_unshift( $links, '<a href="' . esc_url( $url ) . '">' . esc_html__( 'Settings', 'otklik' ) . '</a>' );
	return $links;
}
add_filter( 'plugin_action_links_' . plugin_basename( __FILE__ ), 'otklik_action_links' );

function otklik_render_status() {
	$settings = otklik_settings();
	if ( '' !== otklik_widget_src( $settings ) ) {
		$text = $settings['hide_for_admins']
			? __( 'The chat widget is shown on every page of the site, except to administrators.', 'otklik' )
			: __( 'The chat widget is shown on every page of the site.', 'otklik' );
	} else {
		$text = __( 'The chat widget is not shown yet: enter the Otklik server address and the site key.', 'otklik' );
	}
	echo '<p>' . esc_html( $text ) . '</p>';
}

function otklik_render_server_field() {
	$settings = otklik_settings();
	printf(
		'<input type="url" id="otklik_server" name="%s[server]" value="%s" class="regular-text code" placeholder="https://chat.example.com" /><p class="description">%s</p>',
		esc_attr( OTKLIK_OPTION ),
		esc_attr( $settings['server'] ),
		esc_html__( 'The address your Otklik server is reached at, the part before /widget.js in the embed code.', 'otklik' )
	);
}

function otklik_render_site_key_field() {
	$settings = otklik_settings();
	printf(
		'<input type="text" id="otklik_site_key" name="%s[site_key]" value="%s" class="regular-text code" placeholder="my-shop" maxlength="64" autocomplete="off" spellcheck="false" /><p class="description">%s</p>',
		esc_attr( OTKLIK_OPTION ),
		esc_attr( $settings['site_key'] ),
		esc_html__( 'The key given to this site in Otklik (otklik site add --key), the part after site= in the embed code.', 'otklik' )
	);
}

function otklik_render_hide_field() {
	$settings = otklik_settings();
	printf(
		'<label><input type="checkbox" name="%s[hide_for_admins]" value="1"%s /> %s</label>',
		esc_attr( OTKLIK_OPTION ),
		checked( $settings['hide_for_admins'], true, false ),
		esc_html__( 'Do not show the widget to logged-in administrators', 'otklik' )
	);
}

function otklik_render_settings_page() {
	if ( ! current_user_can( 'manage_options' ) ) {
		return;
	}
	// Notices (saved, or what was refused) are printed by WordPress above this page: options-head.php.
	echo '<div class="wrap"><h1>' . esc_html( get_admin_page_title() ) . '</h1><form action="options.php" method="post">';
	settings_fields( 'otklik' );
	do_settings_sections( 'otklik' );
	submit_button();
	echo '</form></div>';
}

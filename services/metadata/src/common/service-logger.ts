/** The provider of the service's logger (`@Inject(METADATA_LOGGER) logger: Logger`), given to MetadataModule.forRoot. */
export const METADATA_LOGGER = Symbol('METADATA_LOGGER');

import { notAvailable } from '../not-available.js';

export default notAvailable('apply', 'part 4: desired state');
